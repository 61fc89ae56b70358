"""Play a short scripted conversation in real browsers and save what each person sees.

Three people in two rooms: alice and bob on desktops, carol on a phone, the lobby holding
yesterday's talk; then an operator on the operations page. The app runs under gunicorn on a
free port with a throwaway database. Run from anywhere:

    python3 docs/screenshots.py

and the PNGs land in docs/screenshots/ (needs Chromium and Playwright: `.ci/setup`).
"""

import re
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

import chromium  # noqa: E402
from chat_page import ChatPage  # noqa: E402
from history import store_messages  # noqa: E402
from servers import GunicornServer  # noqa: E402

ADMIN_TOKEN = "screenshots-operator-token"

OUTPUT = ROOT / "docs" / "screenshots"
HELSINKI = ZoneInfo("Europe/Helsinki")
PLACE = {"locale": "en-GB", "timezone_id": "Europe/Helsinki"}
DESKTOP = {**PLACE, "viewport": {"width": 1280, "height": 760}}
PHONE = {
    **PLACE,
    "viewport": {"width": 390, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


class Cast:
    """The people of the script, each in a browser context of their own."""

    def __init__(self, browser, url):
        self.browser = browser
        self.url = url

    def open_form(self, device):
        """A newcomer's page showing the form."""
        page = self.browser.new_context(**device).new_page()
        page.goto(self.url + "/")
        return page

    def enter(self, nick, room, device, page=None):
        """Someone fills the form and lands in the room."""
        return ChatPage.enter(page or self.open_form(device), nick, room)


def say(chat, room, text):
    """Send a message and wait until the server has stored it."""
    chat.send(text)
    expect(chat.message(room, text)).to_have_class(re.compile(r"\bsent\b"))


def shoot(page, name, full_page=False):
    """Save what the page shows as docs/screenshots/<name>.png."""
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="initial")
    print(f"wrote {path.relative_to(ROOT)}")


def yesterday_in_the_lobby(server):
    """Store what dave and erin said in the lobby yesterday evening."""
    evening = datetime.now(HELSINKI).replace(hour=21, minute=40) - timedelta(days=1)
    store_messages(
        server,
        "lobby",
        [
            (evening, "dave", "Anyone been to Nuuksio lately?"),
            (
                evening + timedelta(minutes=3),
                "erin",
                "Last month. The trails were\nmuddy but lovely.",
            ),
            (evening + timedelta(minutes=4), "dave", "תודה! אביא מגפיים."),
        ],
    )


def play(cast):
    """The script: a hiking trip planned across two rooms."""
    alice = cast.enter("alice", "lobby", DESKTOP)
    bob = cast.enter("bob", "lobby", DESKTOP)
    say(alice, "lobby", "Morning! Anyone up for a hike on Saturday?")
    say(bob, "lobby", "Count me in. Which trail?")

    carol_form = cast.open_form(PHONE)
    shoot(carol_form, "form-phone", full_page=True)
    carol = cast.enter("carol", "hiking", PHONE, page=carol_form)
    say(carol, "hiking", "Made a room for the trip, come over to #hiking")

    alice.listed_room("hiking").click()
    alice.expect_open("hiking")
    say(alice, "hiking", "Nuuksio, the 8 km loop from Haukkalampi?")
    say(carol, "hiking", "Perfect. I'll bring the map and a thermos.")
    say(bob, "lobby", "Tip: <b>tags</b> show up as plain text here, nothing runs.")
    expect(alice.my_room("lobby").locator(".badge")).to_have_text("1")

    bob.join("hiking")
    say(bob, "hiking", "Train leaves Helsinki at 8:05, meet on the platform?")
    bob.my_room("lobby").click()
    bob.expect_open("lobby")
    say(alice, "hiking", "Works for me!")
    expect(bob.my_room("hiking").locator(".badge")).to_have_text("1")
    expect(carol.message("hiking", "Works for me!")).to_be_visible()
    carol.message_box.press_sequentially("See you")
    expect(alice.typing).to_have_text("carol is typing…")

    shoot(alice.page, "alice-desktop")
    shoot(bob.page, "bob-desktop")
    shoot(carol.page, "carol-phone")
    carol.page.click("#rooms-toggle")
    expect(carol.page.locator("#sidebar")).to_be_visible()
    shoot(carol.page, "carol-phone-rooms")
    carol.page.keyboard.press("Escape")
    carol.send("What do we bring for lunch?")
    say(alice, "hiking", "Sandwiches, and sausages for the fire pit at Haukkalampi.")
    say(carol, "hiking", "I'll bring rye bread and\ncinnamon buns for everyone.")
    carol.page.locator("#logs").evaluate("box => { box.scrollTop = 0; }")
    say(alice, "hiking", "Forecast says sunny, 14°C.")
    say(alice, "hiking", "Leaving at 8:05 sharp.")
    expect(carol.page.locator("#jump")).to_have_text("2 new messages")
    shoot(carol.page, "carol-phone-reading-back")

    impostor = cast.open_form(DESKTOP)
    impostor.fill("#nickname", "Alice")
    impostor.fill("#room", "lobby")
    impostor.click("#submit")
    expect(impostor.locator("#nickname-error")).not_to_be_empty()
    shoot(impostor, "form-desktop", full_page=True)
    return bob


def operate(cast, bob):
    """An operator watches the figures, reads the lobby, and is asked before a kick."""
    page = cast.browser.new_context(**DESKTOP).new_page()
    page.goto(cast.url + "/admin")
    page.fill("#token", ADMIN_TOKEN)
    page.click("#login button")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected")
    for number in range(1, 4):
        say(bob, "lobby", f"Packing list item {number}")
    page.get_by_role("button", name="Messages").first.click()
    expect(page.locator("#messages-list li").first).to_be_visible()
    expect(page.locator("#users-chart polyline")).to_have_count(1)
    page.wait_for_timeout(2500)
    shoot(page, "operators-desktop", full_page=True)
    page.get_by_role("button", name="Kick bob…").click()
    page.fill("#kick-reason", "Too many packing lists")
    page.click("#kick-form button")
    expect(page.get_by_role("dialog")).to_be_visible()
    shoot(page, "operators-confirm")


def main():
    """Start the app, play the script, write the screenshots."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    settings = {"FLASK_ADMIN_TOKEN": ADMIN_TOKEN, "FLASK_ADMIN_SAMPLE_INTERVAL": "1"}
    with (
        tempfile.TemporaryDirectory() as scratch,
        GunicornServer(scratch, env=settings) as server,
        sync_playwright() as playwright,
    ):
        browser = chromium.launch(playwright)
        expect.set_options(timeout=10_000)
        yesterday_in_the_lobby(server)
        cast = Cast(browser, server.url)
        operate(cast, play(cast))
        browser.close()


if __name__ == "__main__":
    main()
