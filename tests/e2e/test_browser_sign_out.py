"""Signing out: the front page it lands on no longer counts the person, and the rooms this
browser kept for them are forgotten."""

from playwright.sync_api import expect


def sign_out(chat):
    """Press the top bar's Sign out button and wait for the form."""
    chat.page.get_by_role("button", name="Sign out").click()
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
