"""The chat page of someone an operator kicked through `/admin`, on a phone-sized screen."""

import pytest
from playwright.sync_api import expect

TOKEN = "operators-only-0123456789"
PHONE = {"width": 390, "height": 740}
# The longest reason `/admin` accepts (200 characters), with a link no line break can split.
LONG_REASON = "Posting the same link again and again: https://example.org/" + "x" * 141


@pytest.fixture(scope="module")
def server_env():
    """This module's server serves `/admin`."""
    return {"FLASK_ADMIN_TOKEN": TOKEN}


# Every element drawn past the right edge of the window, as "tag.class" names.
OVERFLOWING = """() => [...document.body.querySelectorAll('*')]
    .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map((node) => `${node.tagName.toLowerCase()}.${node.className}`)"""


def kick(operator, nick, reason):
    """Kick nick with reason, as the operations page does, and check it was carried out."""
    assert operator.call("kick", {"nick": nick, "reason": reason}, timeout=10) == {"ok": True}


def test_a_kicked_person_sees_why_can_write_no_more_and_is_told_how_to_come_back(person, operator):
    mallory = person("mallory", "k-lobby", viewport=PHONE)
    mallory.send("buy cheap watches")
    expect(mallory.message("k-lobby", "buy cheap watches")).to_be_visible()

    kick(operator, "mallory", LONG_REASON)
    page = mallory.page
    expect(page.get_by_role("alert").filter(has_text=LONG_REASON)).to_be_visible()
    expect(mallory.status).to_have_attribute("data-state", "offline")
    assert page.evaluate(OVERFLOWING) == []
    expect(mallory.status).to_have_text("Offline — removed from the chat")
    for control in ("#message", "#message-form button", "#join-room", "#join-form button"):
        for element in page.locator(control).all():
            expect(element).to_be_disabled()
    come_back = page.get_by_role("button", name="Reload the page")
    expect(come_back).to_be_visible()

    come_back.click()
    mallory.wait_until_in("k-lobby")
    expect(mallory.message_box).to_be_enabled()
    expect(mallory.message("k-lobby", "buy cheap watches")).to_be_visible()
