"""The chat page on a 360 px wide phone: nothing is ever wider than the screen, whatever it
shows, and the member list names everyone in the room, the person themself included."""

import pytest
from playwright.sync_api import expect

TOKEN = "operators-only-0123456789"
WIDTH = 360
PHONE = {"viewport": {"width": WIDTH, "height": 740}, "is_mobile": True, "has_touch": True}
RECONNECT_MS = 15_000
LONGEST_NICK = "Wolfeschlegelsteinhausenberger0"
LONGEST_ROOM = "supercalifragilisticexpialidocious-ok-1"
A_LONG_WORD = "https://example.org/" + "a-very-long-path" * 12


@pytest.fixture(scope="module")
def server_env():
    """This module's server serves `/admin`, for kicks and announcements."""
    return {"FLASK_ADMIN_TOKEN": TOKEN}


def on_a_phone(person, nick, room):
    """Someone on a 360 px phone in room."""
    return person(nick, room, **PHONE)


def join_from_the_drawer(chat, room):
    """Open the room drawer, join a room with its form, and wait until the room is open."""
    chat.page.click("#rooms-toggle")
    chat.join(room)


def open_from_the_drawer(chat, room):
    """Open the room drawer and switch to one of the person's rooms."""
    chat.page.click("#rooms-toggle")
    chat.my_room(room).click()
    chat.expect_open(room)


def test_the_plain_chat_page_fits(person):
    carol = on_a_phone(person, "carol", "p-plain")
    carol.send("hello from a small screen")
    expect(carol.message("p-plain", "hello from a small screen")).to_be_visible()
    carol.expect_to_fit(WIDTH)


def test_an_unread_badge_fits(person):
    carol = on_a_phone(person, "carol1", "p-quiet")
    join_from_the_drawer(carol, "p-busy")
    open_from_the_drawer(carol, "p-quiet")
    bob = person("bob1", "p-busy")
    for number in range(1, 13):
        bob.send(f"news {number}")
    expect(carol.page.locator("#unread-total")).to_have_text("12")
    carol.expect_to_fit(WIDTH)


def test_reconnecting_fits(person, server):
    carol = on_a_phone(person, "carol2", "p-restart")
    server.kill()
    try:
        expect(carol.status).to_have_text("Reconnecting… — connection lost")
        carol.expect_to_fit(WIDTH)
    finally:
        server.start()
    expect(carol.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)


def test_long_names_and_long_words_fit(person):
    carol = on_a_phone(person, LONGEST_NICK, LONGEST_ROOM)
    other = person(LONGEST_NICK[:-1] + "2", LONGEST_ROOM)
    other.send(A_LONG_WORD)
    other.message_box.press_sequentially("typing")
    expect(carol.message(LONGEST_ROOM, A_LONG_WORD)).to_be_visible()
    expect(carol.typing).to_contain_text("is typing…")
    carol.send(A_LONG_WORD + "!")
    expect(carol.message(LONGEST_ROOM, A_LONG_WORD + "!")).to_be_visible()
    carol.expect_to_fit(WIDTH)
    carol.page.click(".members summary")
    carol.expect_to_fit(WIDTH)


def test_an_announcement_fits(person, operator):
    carol = on_a_phone(person, "carol3", "p-news")
    text = "Maintenance tonight: read https://example.org/" + "x" * 150
    assert operator.call("announce", {"text": text}, timeout=10) == {"ok": True}
    expect(carol.page.locator("#announcement")).to_contain_text(text)
    carol.expect_to_fit(WIDTH)


def test_a_kicked_page_fits(person, operator):
    carol = on_a_phone(person, "carol4", "p-kick")
    carol.send("buy cheap watches")
    expect(carol.message("p-kick", "buy cheap watches")).to_be_visible()
    reason = "Posting the same link again and again: https://example.org/" + "x" * 141
    assert operator.call("kick", {"nick": "carol4", "reason": reason}, timeout=10) == {"ok": True}
    expect(carol.status).to_have_text("Offline — removed from the chat")
    expect(carol.page.get_by_role("button", name="Reload the page")).to_be_visible()
    carol.expect_to_fit(WIDTH)


def test_the_member_list_names_the_person_themself(person):
    carol = on_a_phone(person, "carol5", "p-members")
    person("bob5", "p-members")
    expect(carol.page.locator("#member-count")).to_have_text("2")
    carol.page.click(".members summary")
    members = carol.page.locator("#members li")
    expect(members).to_have_text(["bob5", "carol5"])
    for member in members.all():
        expect(member).to_be_visible()


def test_search_edits_and_a_direct_conversation_fit(person):
    carol = on_a_phone(person, "carol6", "p-everyday")
    bob = person("bob6", "p-everyday")
    carol.send("a word to find again")
    carol.page.get_by_role("button", name="Search", exact=True).click()
    carol.page.fill("#search-text", "word")
    carol.page.press("#search-text", "Enter")
    expect(carol.page.locator("#search-results li")).to_have_count(1)
    carol.expect_to_fit(WIDTH)

    message = carol.message("p-everyday", "a word to find again")
    message.get_by_role("button", name="Edit").click()
    expect(message.locator(".editor")).to_be_focused()
    carol.expect_to_fit(WIDTH)
    message.locator(".editor").press("Escape")

    bob.message_to("carol6")
    bob.send("a private word")
    carol.page.click("#rooms-toggle")
    carol.listed_conversation("bob6").click()
    carol.expect_conversation_open("bob6")
    expect(carol.direct_texts("bob6")).to_have_text(["a private word"])
    carol.expect_to_fit(WIDTH)
