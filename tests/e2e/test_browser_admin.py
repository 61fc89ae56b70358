"""The operations page in a real browser: signing in with the token, live figures and the
chart of the last hour, moderation confirmed before it is done, the activity log."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

TOKEN = "operators-only-0123456789"
# The page is pushed fresh figures every 0.2 s here; a change must show well within this.
LIVE_MS = 3000
IN_UTC = {"locale": "en-GB", "timezone_id": "UTC"}


@pytest.fixture(scope="module")
def server_env():
    """This module's server serves `/admin`, refreshes the figures five times a second and
    samples them for the chart twice a second."""
    return {
        "FLASK_ADMIN_TOKEN": TOKEN,
        "FLASK_ADMIN_REFRESH_INTERVAL": "0.2",
        "FLASK_ADMIN_SAMPLE_INTERVAL": "0.5",
    }


class OperationsPage:
    """The operations page as an operator sees and uses it."""

    def __init__(self, page):
        self.page = page
        self.status = page.locator("#status")
        self.user_count = page.locator("#user-count")
        self.users = page.locator("#users .nick")
        self.activity = page.locator("#activity li")

    def sign_in(self, token):
        """Type the token into the form and submit it."""
        self.page.fill("#token", token)
        self.page.click("#login button[type=submit]")

    def room_row(self, room):
        """A room's row in the rooms table."""
        return self.page.locator("#rooms tr").filter(
            has=self.page.get_by_role("rowheader", name=room, exact=True)
        )

    def announce(self, text, room=""):
        """Send an announcement to a room, or to everyone when room is empty."""
        self.page.fill("#announce-text", text)
        self.page.fill("#announce-room", room)
        self.page.click("#announce-form button")

    def kick(self, nick, reason):
        """Pick a user from the list, give a reason, kick them, and confirm."""
        self.page.get_by_role("button", name=f"Kick {nick}…").click()
        self.page.fill("#kick-reason", reason)
        self.page.click("#kick-form button")
        self.answer("Kick")

    @property
    def question(self):
        """The dialog asking the operator to confirm an action."""
        return self.page.get_by_role("dialog")

    def answer(self, button):
        """Press a button of the confirmation dialog, and wait until it has closed."""
        self.question.get_by_role("button", name=button).click()
        expect(self.question).to_be_hidden()


@pytest.fixture
def operator(open_page, server):
    """An operator on the operations page, signed in with the right token."""
    page = OperationsPage(open_page("operator", **IN_UTC))
    page.page.goto(server.url + "/admin")
    page.sign_in(TOKEN)
    expect(page.status).to_have_attribute("data-state", "connected")
    return page


def test_a_wrong_token_is_refused_on_the_page_and_never_lands_in_the_url(open_page, server):
    page = OperationsPage(open_page("intruder"))
    page.page.goto(server.url + "/admin")
    page.sign_in("not-the-token-at-all")
    expect(page.page.locator("#login-error")).to_have_text("Invalid admin token.")
    expect(page.page.locator("#dashboard")).to_be_hidden()
    page.sign_in(TOKEN)
    expect(page.status).to_have_attribute("data-state", "connected")
    expect(page.page.locator("#dashboard")).to_be_visible()
    assert "token" not in page.page.url and TOKEN not in page.page.url


def test_live_counts_change_as_users_join(operator, person):
    expect(operator.page.locator("#async-mode")).to_have_text("eventlet")
    before = int(operator.user_count.inner_text())

    person("ada", "a-live")
    expect(operator.user_count).to_have_text(str(before + 1), timeout=LIVE_MS)
    expect(operator.room_row("a-live")).to_contain_text("1: ada", timeout=LIVE_MS)

    person("grace", "a-live")
    expect(operator.user_count).to_have_text(str(before + 2), timeout=LIVE_MS)
    expect(operator.room_row("a-live")).to_contain_text("2: ada, grace", timeout=LIVE_MS)
    expect(operator.users.filter(has_text="grace")).to_have_count(1)


def test_moderation_from_the_page_reaches_the_chat_pages(operator, person):
    spammer = person("mallory", "a-moderated")
    reader = person("reader", "a-moderated")
    spammer.send("buy cheap watches")
    spammer.send("sorry")
    expect(reader.message("a-moderated", "buy cheap watches")).to_be_visible()

    operator.room_row("a-moderated").get_by_role("button", name="Messages").click()
    spam = operator.page.locator("#messages-list li").filter(has_text="buy cheap watches")
    spam.get_by_role("button").click()
    operator.answer("Remove")
    expect(spam).to_have_count(0)
    expect(reader.message("a-moderated", "buy cheap watches")).to_have_count(0)
    expect(reader.message("a-moderated", "sorry")).to_be_visible()

    operator.announce("Be kind, please", room="a-moderated")
    expect(reader.page.get_by_text("Be kind, please")).to_be_visible()

    operator.kick("mallory", "Repeated advertising")
    expect(spammer.page.get_by_text("Repeated advertising")).to_be_visible()
    expect(operator.users.filter(has_text="mallory")).to_have_count(0, timeout=LIVE_MS)
    expect(operator.activity.first).to_contain_text("kick of mallory")


def test_remove_and_kick_ask_first_and_cancel_does_nothing(operator, person):
    writer = person("writer", "a-careful")
    writer.send("keep me")
    operator.room_row("a-careful").get_by_role("button", name="Messages").click()
    kept = operator.page.locator("#messages-list li").filter(has_text="keep me")
    kept.get_by_role("button", name=re.compile("^Remove")).click()
    expect(operator.question).to_contain_text("Remove message #")
    expect(operator.question).to_contain_text("by writer?")
    operator.answer("Cancel")
    expect(kept).to_have_count(1)
    expect(writer.message("a-careful", "keep me")).to_be_visible()

    operator.page.get_by_role("button", name="Kick writer…").click()
    operator.page.fill("#kick-reason", "Too loud")
    operator.page.click("#kick-form button")
    expect(operator.question).to_contain_text("Kick writer?")
    expect(operator.question).to_contain_text("Too loud")
    operator.page.keyboard.press("Escape")
    expect(operator.question).to_be_hidden()
    expect(writer.status).to_have_attribute("data-state", "connected")
    expect(operator.activity.filter(has_text="kick of writer")).to_have_count(0)


def test_kicking_a_nickname_nobody_uses_says_so(operator):
    operator.page.fill("#kick-nick", "nobody-here")
    operator.page.click("#kick-form button")
    operator.answer("Kick")
    expect(operator.page.locator("#kick-error")).to_have_text("Nobody is connected as nobody-here.")


def test_the_token_is_kept_for_the_tabs_session_only(operator, open_page, server):
    operator.page.reload()
    expect(operator.status).to_have_attribute("data-state", "connected")
    expect(operator.page.locator("#dashboard")).to_be_visible()

    other_browser = open_page("other operator")
    other_browser.goto(server.url + "/admin")
    expect(other_browser.locator("#login")).to_be_visible()

    operator.page.get_by_role("button", name="Disconnect").click()
    operator.page.reload()
    expect(operator.page.locator("#login")).to_be_visible()
    expect(operator.status).to_have_attribute("data-state", "offline")


def test_the_activity_log_gives_the_date_of_each_entry(operator):
    operator.announce("Dated, please")
    today = datetime.now(UTC)
    expect(operator.activity.first).to_contain_text(f"{today.day} {today:%b %Y}")
    expect(operator.activity.first).to_contain_text("announcement to everyone: 'Dated, please'")


def test_the_chart_shows_the_last_hour_of_messages_and_users_even_to_a_latecomer(
    operator, open_page, server, person
):
    busy = re.compile(r"^Messages per second over the last hour: now [\d.]+, at most [1-9]")
    talker = person("talker", "a-chart")
    for number in range(5):
        talker.send(f"counted {number}")
    users = operator.page.locator("#users-chart")
    expect(users).to_have_attribute(
        "aria-label", re.compile(r"^Users online over the last hour: now [1-9]")
    )
    expect(operator.page.locator("#rate-chart")).to_have_attribute("aria-label", busy)
    expect(users.locator("polyline")).to_have_count(1)

    latecomer = OperationsPage(open_page("latecomer"))
    latecomer.page.goto(server.url + "/admin")
    latecomer.sign_in(TOKEN)
    expect(latecomer.page.locator("#rate-chart")).to_have_attribute("aria-label", busy)
