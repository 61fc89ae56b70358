"""Typing notices refused by the server's rate limit: the writer is told that others may not
see whether they are typing."""

import pytest
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def server_env():
    """One typing notice at once, then one every 10 s: a second notice is refused."""
    return {"FLASK_TYPING_RATE_LIMIT": "0.1", "FLASK_TYPING_RATE_BURST": "1"}


def test_a_refused_typing_notice_is_shown_under_the_message_box(person):
    alice = person("alice", "t-room")
    bob = person("bob", "t-room")

    alice.message_box.press_sequentially("hello")
    expect(bob.typing).to_have_text("alice is typing…")
    alice.message_box.press("Enter")

    expect(alice.page.locator("#send-error")).to_have_text(
        "Others may not see whether you are typing: Typing notices are coming too fast."
    )
    expect(bob.message("t-room", "hello")).to_be_visible()
    expect(bob.typing).to_have_text("")
