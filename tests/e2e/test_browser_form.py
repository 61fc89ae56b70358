"""The nickname and room form, filled in a real browser."""

import re

import pytest
from playwright.sync_api import expect

CHAT_PAGE = re.compile(r"/chat$")


@pytest.fixture
def form(open_page, server):
    """A newcomer's browser showing the form."""
    page = open_page("newcomer")
    page.goto(server.url + "/")
    return page


def submit(page, nickname, room):
    """Fill both fields and press the submit button."""
    page.fill("#nickname", nickname)
    page.fill("#room", room)
    page.click("#submit")


@pytest.mark.parametrize(
    ("nickname", "room", "field", "error"),
    [
        ("", "lobby", "nickname", "Nickname is required."),
        ("two words", "lobby", "nickname", "Nickname may only contain"),
        ("   ", "lobby", "nickname", "Nickname is required."),
        ("zoe", "", "room", "Room is required."),
        ("zoe", "<b>bold</b>", "room", "Room may only contain"),
    ],
)
def test_an_empty_or_invalid_field_shows_its_error(form, nickname, room, field, error):
    submit(form, nickname, room)
    expect(form.locator(f"#{field}-error")).to_contain_text(error)
    expect(form.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(form).not_to_have_url(CHAT_PAGE)


def test_a_nickname_held_by_a_connected_user_is_refused(person, form):
    person("alice", "form-taken")
    submit(form, "Alice", "form-taken")
    expect(form.locator("#nickname-error")).to_have_text(
        "That nickname is in use by someone connected right now."
    )
    submit(form, "alicia", "form-taken")
    expect(form.locator("#status")).to_have_attribute("data-state", "connected")


def test_a_valid_form_lands_in_the_room_with_its_normalised_name(form):
    submit(form, "zoe", "  Book   Club ")
    expect(form).to_have_url(CHAT_PAGE)
    expect(form.locator("#status")).to_have_attribute("data-state", "connected")
    expect(form.locator("#room-title")).to_have_text("# book club")
    expect(form.locator("#members")).to_contain_text("zoe")
