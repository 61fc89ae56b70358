"""A server restart seen from the browser: this module's server is killed and started again."""

import re

from playwright.sync_api import expect

SENT = re.compile(r"\bsent\b")
RECONNECT_MS = 15_000


def test_the_page_reconnects_after_a_restart_and_shows_what_it_missed_once(person, server):
    alice = person("alice6", "r6-restart")
    bob = person("bob6", "r6-restart")
    alice.send("before the restart")
    expect(bob.message("r6-restart", "before the restart")).to_be_visible()

    server.kill()
    for chat in (alice, bob):
        expect(chat.status).to_have_attribute("data-state", "reconnecting")
    # Alice stays away a little longer, so Bob can talk while she is gone.
    alice.page.context.set_offline(True)
    alice.send("written while away")
    expect(alice.message("r6-restart", "written while away")).to_have_class(re.compile("pending"))

    server.start()
    expect(bob.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    missed = ["missed one", "missed two"]
    for text in missed:
        bob.send(text)
        expect(bob.message("r6-restart", text)).to_have_class(SENT)

    expect(alice.messages("r6-restart")).to_have_count(2)
    alice.page.context.set_offline(False)
    expect(alice.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    expect(alice.message("r6-restart", "written while away")).to_have_class(SENT)
    expected = ["before the restart", *missed, "written while away"]
    expect(alice.texts("r6-restart")).to_have_text(expected)
    expect(bob.texts("r6-restart")).to_have_text(expected)
    expect(alice.page.locator("#members li")).to_have_text(["alice6", "bob6"])
