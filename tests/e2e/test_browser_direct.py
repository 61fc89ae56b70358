"""Direct messages on the page: two people talk privately, a third sees none of it, the
conversation with its unread count survives a reload and is caught up after a reconnect, and
one with a nickname's former holder can be read but not answered."""

import re

from chat_page import ChatPage
from playwright.sync_api import expect

SENT = re.compile(r"\bsent\b")


def test_two_people_talk_privately_and_a_third_sees_none_of_it(person):
    alice = person("alice", "dm-lobby")
    bob = person("bob", "dm-lobby")
    carol = person("carol", "dm-lobby")

    alice.message_to("bob")
    alice.send("just between us")
    expect(alice.message("@bob", "just between us")).to_have_class(SENT)
    expect(bob.listed_conversation("alice").locator(".badge")).to_have_text("1")
    bob.listed_conversation("alice").click()
    bob.expect_conversation_open("alice")
    expect(bob.direct_texts("alice")).to_have_text(["just between us"])
    bob.send("agreed, privately")
    expect(alice.direct_texts("bob")).to_have_text(["just between us", "agreed, privately"])

    carol.send("anyone here?")
    expect(alice.message("dm-lobby", "anyone here?")).to_have_count(1)
    expect(carol.page.locator("#conversations li")).to_have_count(0)
    expect(carol.page.get_by_text("just between us")).to_have_count(0)
    expect(carol.page.get_by_text("agreed, privately")).to_have_count(0)
    carol.page.reload()
    carol.wait_until_in("dm-lobby")
    expect(carol.page.locator("#conversations li")).to_have_count(0)
    expect(carol.page.get_by_text("just between us")).to_have_count(0)


def test_a_reload_keeps_the_conversation_and_its_unread_count(person):
    alice = person("alice2", "dm-reload")
    bob = person("bob2", "dm-reload")
    alice.message_to("bob2")
    alice.send("first")
    alice.send("second")
    expect(bob.listed_conversation("alice2").locator(".badge")).to_have_text("2")

    bob.page.reload()
    bob.wait_until_in("dm-reload")
    expect(bob.listed_conversation("alice2").locator(".badge")).to_have_text("2")
    alice.page.reload()
    alice.expect_conversation_open("bob2")
    expect(alice.direct_texts("bob2")).to_have_text(["first", "second"])

    bob.listed_conversation("alice2").click()
    expect(bob.direct_texts("alice2")).to_have_text(["first", "second"])
    expect(bob.conversation("alice2").locator(".new-divider")).to_have_text("New messages")
    expect(bob.listed_conversation("alice2").locator(".badge")).to_have_count(0)
    bob.my_room("dm-reload").click()
    bob.page.reload()
    bob.wait_until_in("dm-reload")
    expect(bob.listed_conversation("alice2")).to_be_visible()
    expect(bob.listed_conversation("alice2").locator(".badge")).to_have_count(0)


def test_a_mention_opens_a_conversation_with_the_one_it_names(person):
    alice = person("alice3", "dm-mention")
    person("bob3", "dm-mention")
    carol = person("carol3", "dm-mention")
    alice.send("ask @bob3 about it")
    carol.message("dm-mention", "ask @bob3 about it").get_by_role("button", name="@bob3").click()
    carol.expect_conversation_open("bob3")
    carol.send("alice said to ask you")
    expect(carol.message("@bob3", "alice said to ask you")).to_have_class(SENT)


def test_a_message_sent_while_offline_is_sent_on_reconnect_and_reaches_every_tab(person):
    alice = person("alice4", "dm-offline")
    bob = person("bob4", "dm-offline")
    second_tab = bob.page.context.new_page()
    second_tab.goto(bob.page.url)
    alice.message_to("bob4")
    alice.page.context.set_offline(True)
    alice.send("written offline")
    expect(alice.message("@bob4", "written offline")).to_have_class(re.compile(r"\bpending\b"))
    alice.page.context.set_offline(False)
    expect(alice.message("@bob4", "written offline")).to_have_class(SENT, timeout=15_000)
    for page in (bob.page, second_tab):
        entry = page.locator('#conversations .open-conversation[data-with="alice4"]')
        expect(entry.locator(".badge")).to_have_text("1")


def test_what_was_said_while_away_is_caught_up_after_a_reconnect(person):
    alice = person("alice5", "dm-away")
    bob = person("bob5", "dm-away")
    alice.message_to("bob5")
    alice.send("are you there?")
    bob.listed_conversation("alice5").click()
    expect(bob.direct_texts("alice5")).to_have_text(["are you there?"])

    bob.page.context.set_offline(True)
    expect(bob.status).to_have_attribute("data-state", "reconnecting")
    alice.send("I'll wait")
    alice.send("take your time")
    expect(alice.message("@bob5", "take your time")).to_have_class(SENT)
    bob.page.context.set_offline(False)
    expect(bob.status).to_have_attribute("data-state", "connected", timeout=15_000)
    expect(bob.direct_texts("alice5")).to_have_text(
        ["are you there?", "I'll wait", "take your time"]
    )


def test_a_conversation_with_a_nickname_s_former_holder_is_read_only(person, open_page, server):
    alice = person("alice6", "dm-former")
    bob = person("bob6", "dm-former")
    bob.message_to("alice6")
    bob.send("remember me")
    expect(alice.listed_conversation("bob6").locator(".badge")).to_have_text("1")
    bob.page.get_by_role("button", name="Sign out").click()
    bob.page.get_by_role("dialog").get_by_role("button", name="Release it").click()
    newcomer = open_page("newcomer")
    newcomer.goto(server.url + "/")
    ChatPage.enter(newcomer, "bob6", "dm-former")

    alice.page.reload()
    alice.wait_until_in("dm-former")
    expect(alice.listed_conversation("bob6")).to_contain_text("(earlier)")
    alice.listed_conversation("bob6").click()
    expect(alice.direct_texts("bob6")).to_have_text(["remember me"])
    closed = "The nickname bob6 now belongs to someone else"
    expect(alice.page.locator("#room-notice")).to_contain_text(closed)
    alice.send("are you still there?")
    expect(alice.page.locator("#send-error")).to_contain_text(closed)
    expect(alice.direct_texts("bob6")).to_have_text(["remember me"])
