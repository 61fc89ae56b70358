"""A page that floods the server is cut off: what it had not yet sent is shown as not sent, with
Send again, which connects once more and delivers it."""

import re

import pytest
from playwright.sync_api import expect

SENT = re.compile(r"\bsent\b")


@pytest.fixture(scope="module")
def server_env():
    """One message a second, and a connection refused four times in a row is cut off."""
    return {"FLASK_RATE_LIMIT": "1", "FLASK_RATE_BURST": "1", "FLASK_FLOOD_REFUSALS": "3"}


# Submits each text from the message box in one go, faster than any typist.
SEND_AT_ONCE = """(texts) => {
    const box = document.getElementById('message');
    for (const text of texts) {
        box.value = text;
        box.form.requestSubmit();
    }
}"""


def test_messages_left_unsent_by_a_flood_cut_off_are_failed_and_can_be_sent_again(person):
    alice = person("alice", "fl-room")
    bob = person("bob", "fl-room")
    alice.page.evaluate(SEND_AT_ONCE, [f"burst {number}" for number in range(1, 9)])
    expect(alice.status).to_have_text("Offline — removed from the chat")

    expect(alice.page.locator("li.message.pending")).to_have_count(0)
    unsent = alice.page.locator("li.message.own.failed").filter(has_text="you were disconnected")
    expect(unsent.first).to_be_visible()
    last = alice.message("fl-room", "burst 8")
    expect(last).to_contain_text("not sent: you were disconnected")

    last.get_by_role("button", name="Send again").click()
    expect(alice.status).to_have_attribute("data-state", "connected")
    expect(last).to_have_class(SENT)
    expect(bob.message("fl-room", "burst 8")).to_be_visible()
    expect(alice.message_box).to_be_enabled()
