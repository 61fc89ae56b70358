"""The operations page in a real browser: signing in with the token, live figures, moderation."""

import re

import pytest
from playwright.sync_api import expect

TOKEN = "operators-only-0123456789"
# The page is pushed fresh figures every 0.2 s here; a change must show well within this.
LIVE_MS = 3000


@pytest.fixture(scope="module")
def server_env():
    """This module's server serves `/admin` and refreshes the figures five times a second."""
    return {"FLASK_ADMIN_TOKEN": TOKEN, "FLASK_ADMIN_REFRESH_INTERVAL": "0.2"}


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
        """Pick a user from the list, give a reason, and kick them."""
        self.page.get_by_role("button", name=f"Kick {nick}…").click()
        self.page.fill("#kick-reason", reason)
        self.page.click("#kick-form button")


@pytest.fixture
def operator(open_page, server):
    """An operator on the operations page, signed in with the right token."""
    page = OperationsPage(open_page("operator"))
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
    expect(spam).to_have_count(0)
    expect(reader.message("a-moderated", "buy cheap watches")).to_have_count(0)
    expect(reader.message("a-moderated", "sorry")).to_be_visible()

    operator.announce("Be kind, please", room="a-moderated")
    expect(reader.page.get_by_text("Be kind, please")).to_be_visible()

    operator.kick("mallory", "Repeated advertising")
    expect(spammer.page.get_by_text("Repeated advertising")).to_be_visible()
    expect(operator.users.filter(has_text="mallory")).to_have_count(0, timeout=LIVE_MS)
    expect(operator.activity.first).to_contain_text("kick of mallory")


def test_the_page_says_whose_figures_it_shows(operator):
    expect(operator.page.locator("#scope")).to_have_text(
        "Every figure is this process's: it shares no Redis with other processes."
    )
    expect(operator.page.locator("#process")).to_have_text(re.compile(r".+:\d+"))
