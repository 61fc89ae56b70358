"""Every event of direct messages, edits, read markers, search and passphrases is rate
limited: over its limit it is refused with the wait, and does nothing (on a clock the test
moves, with the default limits; see test_abuse.py)."""

import pytest
from test_abuse import clock  # noqa: F401  (the fixture)

from chat.config import Config

# (event, a payload the limit refuses before reading, how many pass at once, the refusal)
LIMITED = [
    ("direct message", {"to": "bob", "text": "hi"}, Config.RATE_BURST, "sending messages too fast"),
    ("edit message", {"id": 1, "text": "x"}, Config.RATE_BURST, "sending messages too fast"),
    ("delete message", {"id": 1}, Config.RATE_BURST, "sending messages too fast"),
    ("search", {"room": "lobby", "q": "x"}, Config.HEAVY_READ_RATE_BURST, "Too many searches"),
    ("set passphrase", {"passphrase": "x"}, Config.PASSPHRASE_RATE_BURST, "too often"),
    ("read", {"room": "lobby", "seq": 1}, Config.EVENT_RATE_BURST, "Too many requests"),
    ("direct history", {"with": "bob"}, Config.EVENT_RATE_BURST, "Too many requests"),
    ("conversations", {}, Config.HEAVY_READ_RATE_BURST, "Too many searches"),
    ("identity", {}, Config.EVENT_RATE_BURST, "Too many requests"),
]


@pytest.mark.parametrize(
    ("event", "payload", "burst", "refusal"), LIMITED, ids=[row[0] for row in LIMITED]
)
def test_each_new_event_is_refused_over_its_limit_with_the_wait(
    clock,  # noqa: F811
    person,
    event,
    payload,
    burst,
    refusal,
):
    alice = person("alice")
    for _ in range(burst):
        alice.emit(event, payload, callback=True)
    refused = alice.emit(event, payload, callback=True)
    assert refused["ok"] is False and refusal in refused["error"]
    assert refused["retry_after"] > 0 and alice.is_connected()


def test_heavy_reads_have_a_limit_of_their_own(clock, person):  # noqa: F811
    alice = person("alice")
    alice.emit("join", {"room": "lobby"}, callback=True)
    for _ in range(Config.HEAVY_READ_RATE_BURST):
        assert alice.emit("search", {"room": "lobby", "q": "x"}, callback=True)["ok"]
    assert not alice.emit("search", {"room": "lobby", "q": "x"}, callback=True)["ok"]
    assert alice.emit("identity", callback=True)["ok"], "other events are still fine"
    clock.advance(1 / Config.HEAVY_READ_RATE_LIMIT)
    assert alice.emit("search", {"room": "lobby", "q": "x"}, callback=True)["ok"]
