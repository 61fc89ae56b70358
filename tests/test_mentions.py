"""Mentions: `@nick` in a room message marks whom it names, matched as nicknames are
compared (look-alikes too), so that their page can highlight it and notify them."""

import pytest
from inbox import received

from chat.core.mentions import MAX_MENTIONS, mentioned
from chat.core.names import comparison_key


def send(socket, room, text):
    return socket.emit("chat message", {"room": room, "text": text}, callback=True)


def mentions_of(text, online=("alice", "Bob"), reserved=None):
    """What a text mentions with `online` nicknames held, and `reserved` ({key: nick})."""
    held = {comparison_key(nick): nick for nick in online}
    return mentioned(text, lambda key: held.get(key) or (reserved or {}).get(key))


# The rules, on their own


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi @bob", ("Bob",)),
        ("@BOB and @alice", ("Bob", "alice")),
        ("thanks @bob.", ("Bob",)),
        ("@bоb", ("Bob",)),  # a Cyrillic o
        ("@bob @Bob @BOB", ("Bob",)),
        ("mail bob@example.org", ()),
        ("@@bob", ()),
        ("@nobody here", ()),
        ("no mention at all", ()),
    ],
)
def test_a_mention_names_someone_as_they_spell_their_nickname(text, expected):
    assert mentions_of(text) == expected


def test_a_reserved_nickname_of_someone_away_is_mentioned_too():
    assert mentions_of("ask @carol", reserved={"carol": "Carol"}) == ("Carol",)


def test_nobody_is_looked_up_when_nobody_is_mentioned():
    def nick_of(key):
        raise AssertionError(f"{key} looked up")

    assert mentioned("plain text, no at sign", nick_of) == ()


def test_a_text_is_read_for_a_bounded_number_of_mentions():
    looked_up = []
    text = " ".join(f"@user{n}" for n in range(50))
    mentioned(text, looked_up.append)
    assert len(looked_up) == MAX_MENTIONS


# Over the socket


def test_a_message_carries_whom_it_mentions_in_its_ack_live_and_in_history(joined, connect):
    alice = joined("alice", "lobby")
    bob = joined("Bob", "lobby")
    ack = send(alice, "lobby", "hey @BOB, look")
    assert ack["ok"] and ack["mentions"] == ["Bob"]
    [message] = received(bob, "chat message")
    assert message["mentions"] == ["Bob"]
    history = connect("carol").emit("join", {"room": "lobby"}, callback=True)["history"]
    assert history[-1]["mentions"] == ["Bob"]


def test_a_message_mentioning_nobody_carries_no_mentions(joined):
    alice = joined("alice", "lobby")
    bob = joined("bob", "lobby")
    send(alice, "lobby", "hello @nobody")
    assert "mentions" not in received(bob, "chat message")[0]


def test_someone_away_with_a_reserved_nickname_is_mentioned(joined, person):
    person("carol").disconnect()
    alice = joined("alice", "lobby")
    bob = joined("bob", "lobby")
    send(alice, "lobby", "@carol will like this")
    assert received(bob, "chat message")[0]["mentions"] == ["carol"]
