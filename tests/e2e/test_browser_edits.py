"""Editing and deleting one's own messages on the page: keyboard-reachable controls, an editor
where Enter saves and Escape cancels, "(edited)" with the time on hover, a delete confirmed
first; the others see both live, and history after a reload shows both."""

import re

from playwright.sync_api import expect

SENT = re.compile(r"\bsent\b")


def edit_with_the_keyboard(chat, room, text, new_text, key="Enter"):
    """Reach the message's Edit control by keyboard, type new_text, and press key."""
    message = chat.message(room, text)
    expect(message).to_have_class(SENT)
    message.get_by_role("button", name="Edit").focus()
    chat.page.keyboard.press("Enter")
    editor = message.locator(".editor")
    expect(editor).to_be_focused()
    editor.fill(new_text)
    editor.press(key)


def test_an_edit_shows_for_everyone_and_survives_a_reload(person):
    alice = person("alice", "ed-fix")
    bob = person("bob", "ed-fix")
    alice.send("teh plan")
    edit_with_the_keyboard(alice, "ed-fix", "teh plan", "the plan")

    for chat in (alice, bob):
        message = chat.message("ed-fix", "the plan")
        expect(message.locator(".edited")).to_have_text("(edited)")
        expect(message.locator(".edited")).to_have_attribute("title", re.compile(r"^Edited \w+"))
    expect(bob.texts("ed-fix")).to_have_text(["the plan"])
    bob.page.reload()
    bob.wait_until_in("ed-fix")
    expect(bob.message("ed-fix", "the plan").locator(".edited")).to_have_text("(edited)")


def test_escape_cancels_an_edit(person):
    alice = person("alice2", "ed-cancel")
    alice.send("keep me")
    edit_with_the_keyboard(alice, "ed-cancel", "keep me", "changed my mind", key="Escape")
    expect(alice.texts("ed-cancel")).to_have_text(["keep me"])
    expect(alice.log("ed-cancel").locator(".editor")).to_have_count(0)
    expect(alice.message("ed-cancel", "keep me").locator(".edited")).to_have_count(0)


def test_a_confirmed_delete_removes_the_message_for_everyone(person):
    alice = person("alice3", "ed-delete")
    bob = person("bob3", "ed-delete")
    alice.send("oops, wrong room")
    alice.send("hello")
    expect(bob.texts("ed-delete")).to_have_text(["oops, wrong room", "hello"])
    message = alice.message("ed-delete", "oops, wrong room")
    expect(message).to_have_class(SENT)

    message.get_by_role("button", name="Delete").click()
    alice.page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(alice.texts("ed-delete")).to_have_text(["oops, wrong room", "hello"])
    message.get_by_role("button", name="Delete").click()
    dialog = alice.page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete this message for everyone?")
    dialog.get_by_role("button", name="Delete").click()

    for chat in (alice, bob):
        expect(chat.texts("ed-delete")).to_have_text(["hello"])
    bob.page.reload()
    bob.wait_until_in("ed-delete")
    expect(bob.texts("ed-delete")).to_have_text(["hello"])


def test_a_refused_edit_says_why_and_keeps_the_text(person):
    alice = person("alice4", "ed-refused")
    alice.send("short")
    edit_with_the_keyboard(alice, "ed-refused", "short", "x" * 2001)
    message = alice.message("ed-refused", "short")
    expect(message.locator(".message-error")).to_contain_text("Not edited: ")
    expect(message.locator(".editor")).to_be_visible()
    message.locator(".editor").press("Escape")
    expect(alice.texts("ed-refused")).to_have_text(["short"])


def test_only_ones_own_messages_have_the_controls(person):
    alice = person("alice5", "ed-mine")
    bob = person("bob5", "ed-mine")
    alice.send("mine")
    expect(bob.message("ed-mine", "mine")).to_be_visible()
    expect(bob.log("ed-mine").get_by_role("button", name="Edit")).to_have_count(0)
    expect(alice.log("ed-mine").get_by_role("button", name="Edit")).to_have_count(1)
