"""When each message was sent: a heading for each day ("Today", "Yesterday", a date with the
year when it is another year's), the time alone on each message, the full timestamp on hover.

The reader's clock is fixed at noon on 15 March 2026 in Helsinki; the history is stored
straight into the server's database with the times it would have had."""

from datetime import datetime
from zoneinfo import ZoneInfo

from history import store_messages
from playwright.sync_api import expect

HELSINKI = ZoneInfo("Europe/Helsinki")
PLACE = {"locale": "en-GB", "timezone_id": "Europe/Helsinki"}
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=HELSINKI)


def at(day, hour, minute, year=2026, month=3):
    """A moment in Helsinki."""
    return datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


def reader(open_page, server, nick, room):
    """Someone whose browser believes it is NOW, opening room from the form."""
    page = open_page(nick, **PLACE)
    page.clock.set_fixed_time(NOW)
    page.goto(server.url + "/")
    page.fill("#nickname", nick)
    page.fill("#room", room)
    page.click("#submit")
    log = page.locator(f'#logs ol.messages[data-room="{room}"]')
    expect(page.locator("#status")).to_have_attribute("data-state", "connected")
    return log


def test_each_day_has_one_heading_and_each_message_its_time_alone(open_page, server):
    store_messages(
        server,
        "dt-days",
        [
            (at(26, 1, 55, year=2025, month=10), "ann", "a year and a half ago"),
            (at(26, 1, 57, year=2025, month=10), "ben", "same night"),
            (at(12, 9, 15), "ann", "on Thursday"),
            (at(14, 23, 50), "ben", "late yesterday"),
            (at(15, 8, 5), "ann", "this morning"),
            (at(15, 11, 30), "ben", "before noon"),
        ],
    )
    log = reader(open_page, server, "dora", "dt-days")

    expect(log.locator("li.day, li.message .text")).to_have_text(
        [
            "26 October 2025",
            "a year and a half ago",
            "same night",
            "Thursday 12 March",
            "on Thursday",
            "Yesterday",
            "late yesterday",
            "Today",
            "this morning",
            "before noon",
        ]
    )
    expect(log.locator("li.message time")).to_have_text(
        ["01:55", "01:57", "09:15", "23:50", "08:05", "11:30"]
    )


def test_hovering_a_time_shows_the_full_timestamp(open_page, server):
    store_messages(server, "dt-hover", [(at(26, 1, 55, year=2024, month=10), "ann", "long ago")])
    log = reader(open_page, server, "eve", "dt-hover")
    time = log.locator("li.message time")
    expect(time).to_have_text("01:55")
    expect(time).to_have_attribute("title", "Saturday, 26 October 2024 at 01:55:00")
    expect(log.locator("li.day")).to_have_text(["26 October 2024"])
