"""The nickname on the page: how long it stays reserved, a passphrase set from the page (its
refusals shown) that reclaims it on another device, and the name kept for its owner when the
page reconnects after a server restart."""

import re

from chat_page import ChatPage
from playwright.sync_api import expect
from test_server import refusals

RECONNECT_MS = 15_000


def set_passphrase(chat, passphrase):
    """Type a passphrase into the sidebar's field and press Set."""
    chat.page.fill("#new-passphrase", passphrase)
    chat.page.press("#new-passphrase", "Enter")


def test_a_passphrase_set_on_the_page_reclaims_the_name_elsewhere(person, open_page, server):
    alice = person("alice", "nk-pass")
    note = alice.page.locator("#identity-note")
    expect(note).to_contain_text("Reserved to this browser for 30 days after you leave.")
    set_passphrase(alice, "short")
    expect(alice.page.locator("#passphrase-error")).to_have_text(
        "Passphrase not set: A passphrase must be 8 to 256 characters long."
    )
    set_passphrase(alice, "correct horse battery")
    expect(alice.page.locator("#passphrase-done")).to_have_text("Passphrase set.")
    expect(alice.page.locator("#passphrase-error")).to_be_empty()
    expect(note).to_contain_text("It has a passphrase")

    laptop = open_page("alice-laptop")
    laptop.goto(server.url + "/")
    laptop.fill("#passphrase", "correct horse battery")
    ChatPage.enter(laptop, "alice", "nk-pass")
    expect(alice.page.locator("#announcement")).to_contain_text("reclaimed with its passphrase")


def test_after_a_restart_the_returning_owner_gets_the_name_back(person, server):
    alice = person("alice2", "nk-restart")
    # Alice's page stays away until someone else has tried to take her name.
    alice.page.context.set_offline(True)
    server.kill()
    server.start()
    assert refusals(server.url, {"nick": "alice2"}) == [
        {
            "message": "Nickname 'alice2' is reserved to someone else. If it is yours, "
            "reclaim it on the form with its passphrase."
        }
    ]
    alice.page.context.set_offline(False)
    expect(alice.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    alice.send("still me")
    expect(alice.message("nk-restart", "still me")).to_have_class(re.compile(r"\bsent\b"))
