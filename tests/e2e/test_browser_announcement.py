"""An operator's announcement to everyone shows in a banner that the reader can dismiss."""

import pytest
from playwright.sync_api import expect

TOKEN = "operators-only-0123456789"


@pytest.fixture(scope="module")
def server_env():
    """This module's server serves `/admin`."""
    return {"FLASK_ADMIN_TOKEN": TOKEN}


def announce(operator, text):
    """Announce text to everyone, as the operations page does."""
    assert operator.call("announce", {"text": text}, timeout=10) == {"ok": True}


def test_an_announcement_can_be_dismissed_and_the_next_one_shows_again(person, operator):
    alice = person("alice", "an-room")
    banner = alice.page.locator("#announcement")
    announce(operator, "Maintenance at 18:00")
    expect(banner).to_contain_text("Maintenance at 18:00")

    banner.get_by_role("button", name="Dismiss the announcement").click()
    expect(banner).to_be_hidden()
    alice.send("still chatting")
    expect(alice.message("an-room", "still chatting")).to_be_visible()

    announce(operator, "Maintenance moved to 19:00")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Maintenance moved to 19:00")
    expect(banner).not_to_contain_text("18:00")
