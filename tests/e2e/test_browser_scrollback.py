"""Reading back through a room's whole history: older messages load in pages as the reader
scrolls up, what they were reading stays where it was, and the top says where the room began.
While they read back, a button below counts the new messages and takes them to the latest."""

from datetime import UTC, datetime, timedelta

from history import store_messages
from playwright.sync_api import expect

PAGE = 50
# A message's place on the screen may move by a rounding error as a page goes in above it.
STEADY_PX = 2


def history(server, room, count):
    """Store count messages in room, "message 1" the oldest, a minute apart, ending an hour ago."""
    start = datetime.now(UTC) - timedelta(minutes=count + 60)
    messages = [
        (start + timedelta(minutes=number), "ann" if number % 2 else "ben", f"message {number}")
        for number in range(1, count + 1)
    ]
    store_messages(server, room, messages)


def top_of(locator):
    """Where an element's top is on the screen, in pixels."""
    return locator.bounding_box()["y"]


def test_scrolling_up_reads_back_to_the_first_message_page_by_page_without_jumping(person, server):
    history(server, "sb-long", 3 * PAGE + 20)
    carol = person("carol", "sb-long")
    texts = carol.texts("sb-long")
    expect(texts).to_have_count(PAGE)
    expect(texts.first).to_have_text(f"message {2 * PAGE + 21}")
    logs = carol.page.locator("#logs")

    for shown in (2 * PAGE, 3 * PAGE, 3 * PAGE + 20):
        reading = carol.message("sb-long", texts.first.inner_text())
        logs.evaluate("box => { box.scrollTop = 0; }")
        where = top_of(reading)
        expect(texts).to_have_count(shown)
        assert abs(top_of(reading) - where) <= STEADY_PX

    expect(texts).to_have_text([f"message {number}" for number in range(1, 3 * PAGE + 21)])
    expect(carol.log("sb-long").locator(".log-start")).to_have_text(
        "This is the start of #sb-long."
    )


def test_a_short_history_says_where_the_room_began(person, server):
    history(server, "sb-short", 3)
    carol = person("carol2", "sb-short")
    expect(carol.texts("sb-short")).to_have_count(3)
    expect(carol.log("sb-short").locator(".log-start")).to_have_text(
        "This is the start of #sb-short."
    )


def test_new_messages_while_reading_back_are_counted_and_one_click_brings_the_latest(
    person, server
):
    history(server, "sb-pill", PAGE)
    carol = person("carol3", "sb-pill")
    dave = person("dave3", "sb-pill")
    jump = carol.page.locator("#jump")
    expect(jump).to_be_hidden()

    carol.page.locator("#logs").evaluate("box => { box.scrollTop = box.scrollHeight / 3; }")
    expect(jump).to_have_text("Jump to latest")
    for number in range(1, 4):
        dave.send(f"news {number}")
    expect(jump).to_have_text("3 new messages")
    expect(carol.message("sb-pill", "news 3")).not_to_be_in_viewport()

    jump.click()
    expect(carol.message("sb-pill", "news 3")).to_be_in_viewport()
    expect(jump).to_be_hidden()
    dave.send("news 4")
    expect(carol.message("sb-pill", "news 4")).to_be_in_viewport()
    expect(jump).to_be_hidden()
