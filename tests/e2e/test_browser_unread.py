"""Unread messages on the page: the server keeps where each person stopped reading, so the
counts in the sidebar and the "New messages" line survive a reload, and reading on one device
clears the count on the other."""

from chat_page import ChatPage
from playwright.sync_api import expect


def test_a_reload_keeps_the_new_messages_line_and_the_counts(person):
    alice = person("alice", "un-one")
    bob = person("bob", "un-one")
    bob.send("seen before")
    expect(alice.message("un-one", "seen before")).to_be_visible()
    alice.join("un-two")
    for text in ("missed one", "missed two", "missed three"):
        bob.send(text)
    expect(alice.my_room("un-one").locator(".badge")).to_have_text("3")

    alice.page.reload()
    alice.wait_until_in("un-two")
    expect(alice.my_room("un-one").locator(".badge")).to_have_text("3")
    expect(alice.page.locator("#unread-total")).to_have_text("3")
    alice.my_room("un-one").click()
    log = alice.log("un-one")
    expect(log.locator(".new-divider")).to_have_text("New messages")
    after_the_line = log.locator(".new-divider ~ li.message .text")
    expect(after_the_line).to_have_text(["missed one", "missed two", "missed three"])
    expect(alice.my_room("un-one").locator(".badge")).to_have_count(0)

    alice.my_room("un-two").click()
    alice.page.reload()
    alice.wait_until_in("un-two")
    expect(alice.my_room("un-one")).to_be_visible()
    expect(alice.my_room("un-one").locator(".badge")).to_have_count(0)


def test_reading_on_one_device_clears_the_count_on_the_other(person, browser, open_page, server):
    laptop = person("alice2", "un-three")
    laptop.join("un-four")
    # The phone holds the laptop's session: the same person, their nickname reserved to it.
    phone_page = open_page("alice2-phone", storage_state=laptop.page.context.storage_state())
    phone_page.goto(server.url + "/chat")
    phone = ChatPage(phone_page)
    phone.wait_until_in("un-four")
    bob = person("bob2", "un-three")
    bob.send("news one")
    bob.send("news two")
    for device in (laptop, phone):
        expect(device.my_room("un-three").locator(".badge")).to_have_text("2")

    laptop.my_room("un-three").click()
    expect(laptop.message("un-three", "news two")).to_be_visible()
    expect(phone.my_room("un-three").locator(".badge")).to_have_count(0)
    expect(phone.page.locator("#unread-total")).to_be_hidden()
