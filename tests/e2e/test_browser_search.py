"""Searching the open room or conversation: the matches newest first, each with its author and
date; an empty answer and a refusal said in words."""

from datetime import UTC, datetime

from history import store_messages
from playwright.sync_api import expect

PLACE = {"locale": "en-GB", "timezone_id": "UTC"}


def search(chat, text):
    """Open the search panel if needed, and search for text."""
    if chat.page.locator("#search").is_hidden():
        chat.page.get_by_role("button", name="Search", exact=True).first.click()
    chat.page.fill("#search-text", text)
    chat.page.press("#search-text", "Enter")


def results(chat):
    return chat.page.locator("#search-results li")


def test_a_word_sent_long_ago_is_found_with_its_date(person, server):
    store_messages(
        server,
        "se-old",
        [
            (datetime(2025, 2, 10, 9, 30, tzinfo=UTC), "carol", "the quarterly report is done"),
            (datetime(2025, 2, 11, 9, 30, tzinfo=UTC), "dave", "nothing to see"),
        ],
    )
    alice = person("alice", "se-old", **PLACE)
    alice.send("the second quarterly report comes in May")
    expect(alice.texts("se-old")).to_have_count(3)
    search(alice, "quarter")
    expect(alice.page.locator("#search-note")).to_have_text("2 messages, newest first:")
    expect(results(alice).locator(".author")).to_have_text(["alice", "carol"])
    expect(results(alice).nth(0).locator("time")).to_contain_text("Today")
    expect(results(alice).nth(1).locator("time")).to_have_text("10 February 2025, 09:30")
    expect(results(alice).nth(1).locator(".text")).to_have_text("the quarterly report is done")


def test_an_empty_result_and_a_refusal_are_said(person):
    alice = person("alice2", "se-none")
    alice.send("hello there")
    search(alice, "zebra")
    expect(alice.page.locator("#search-note")).to_have_text("No messages match “zebra”.")
    search(alice, "!!!")
    expect(alice.page.locator("#search-note")).to_have_text(
        "Search failed: Search for at least one word of letters or digits."
    )
    expect(results(alice)).to_have_count(0)


def test_a_conversation_is_searched_on_its_own(person):
    alice = person("alice3", "se-direct")
    person("bob3", "se-direct")
    alice.send("a public secret")
    alice.message_to("bob3")
    alice.send("a private secret")
    search(alice, "secret")
    expect(results(alice).locator(".text")).to_have_text(["a private secret"])
