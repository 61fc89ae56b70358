"""Signing out: the page offers to keep the nickname reserved or to release it; the front page
it lands on no longer counts the person, and the rooms this browser kept for them are
forgotten."""

import re

from chat_page import ChatPage
from playwright.sync_api import expect


def sign_out(chat, choice="Keep it reserved"):
    """Press the top bar's Sign out button, choose what becomes of the nickname, and wait for
    the form."""
    chat.page.get_by_role("button", name="Sign out").click()
    chat.page.get_by_role("dialog").get_by_role("button", name=choice).click()
    expect(chat.page.locator("#nickname")).to_be_visible()


def test_right_after_signing_out_the_front_page_no_longer_counts_the_person(person):
    alice = person("alice", "so-count")
    bob = person("bob", "so-count")
    expect(alice.listed_room("so-count")).to_contain_text("2 online")
    sign_out(alice)
    choice = alice.page.locator('.room-choice[data-room="so-count"]')
    expect(choice).to_contain_text("1 online")
    expect(bob.page.locator("#members li")).to_have_text(["bob"])
    expect(bob.notices("so-count").last).to_have_text("alice left")


def test_signing_out_forgets_the_rooms(person, server):
    alice = person("alice6", "so-one")
    alice.join("so-two")
    sign_out(alice)
    alice.page.fill("#nickname", "alice6")
    alice.page.fill("#room", "so-three")
    alice.page.click("#submit")
    alice.wait_until_in("so-three")
    expect(alice.my_rooms.locator(".open-room")).to_have_text(["so-three"])


def test_a_nickname_kept_on_signing_out_stays_reserved(person, open_page, server):
    alice = person("alice7", "so-keep")
    sign_out(alice)
    expect(alice.page.locator(".flashes")).to_contain_text("stays reserved to this browser")
    stranger = open_page("stranger")
    stranger.goto(server.url + "/")
    stranger.fill("#nickname", "alice7")
    stranger.fill("#room", "so-keep")
    stranger.click("#submit")
    expect(stranger.locator("#nickname-error")).to_have_text(
        "That nickname is reserved to someone else."
    )


def test_a_nickname_released_on_signing_out_is_free_for_anyone(person, open_page, server):
    alice = person("alice8", "so-release")
    sign_out(alice, "Release it")
    expect(alice.page.locator(".flashes")).to_contain_text("released: anyone may take it now")
    stranger = open_page("stranger")
    stranger.goto(server.url + "/")
    ChatPage.enter(stranger, "alice8", "so-release")


def test_cancelling_the_sign_out_stays_in_the_chat(person):
    alice = person("alice9", "so-cancel")
    alice.page.get_by_role("button", name="Sign out").click()
    alice.page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(alice.page.get_by_role("dialog")).to_be_hidden()
    alice.send("still here")
    expect(alice.message("so-cancel", "still here")).to_have_class(re.compile(r"\bsent\b"))
