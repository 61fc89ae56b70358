"""People chatting in real browsers against one real server; each test has rooms of its own."""

import re

from playwright.sync_api import expect

DELIVERY_MS = 2000
SENT = re.compile(r"\bown\b.*\bsent\b")


def test_a_message_reaches_its_room_within_two_seconds_and_never_another_room(person):
    alice = person("alice2", "r2-tea")
    bob = person("bob2", "r2-tea")
    carol = person("carol2", "r2-coffee")

    alice.send("Kettle is on")
    expect(bob.message("r2-tea", "Kettle is on")).to_be_visible(timeout=DELIVERY_MS)
    expect(alice.message("r2-tea", "Kettle is on")).to_have_class(SENT)
    bob.send("Milk, no sugar")
    expect(alice.message("r2-tea", "Milk, no sugar")).to_be_visible(timeout=DELIVERY_MS)

    expect(carol.messages("r2-coffee")).to_have_count(0)
    expect(carol.page.get_by_text("Kettle is on")).to_have_count(0)
    expect(carol.page.get_by_text("Milk, no sugar")).to_have_count(0)


def test_a_late_joiner_sees_the_history_in_order(person):
    alice = person("alice2h", "r2-history")
    bob = person("bob2h", "r2-history")
    conversation = ["one", "two", "three", "four"]
    for index, text in enumerate(conversation):
        speaker = alice if index % 2 == 0 else bob
        speaker.send(text)
        expect(speaker.message("r2-history", text)).to_have_class(SENT)

    dave = person("dave2h", "r2-history")
    expect(dave.texts("r2-history")).to_have_text(conversation)
    expect(dave.messages("r2-history").locator(".author")).to_have_text(
        ["alice2h", "bob2h", "alice2h", "bob2h"]
    )


def test_the_typing_indicator_shows_for_the_others_and_clears(person):
    alice = person("alice3", "r3-typing")
    bob = person("bob3", "r3-typing")

    alice.message_box.press_sequentially("I am wri")
    expect(bob.typing).to_have_text("alice3 is typing…")
    expect(alice.typing).to_have_text("")
    expect(bob.typing).to_have_text("", timeout=6000)

    alice.message_box.press_sequentially("ting again")
    expect(bob.typing).to_have_text("alice3 is typing…")
    alice.message_box.press("Enter")
    expect(bob.typing).to_have_text("", timeout=DELIVERY_MS)
    expect(bob.message("r3-typing", "I am writing again")).to_be_visible()


def test_the_typing_indicator_clears_at_once_when_the_typist_switches_rooms(person):
    alice = person("alice3s", "r3-here")
    alice.join("r3-there")
    bob = person("bob3s", "r3-there")

    alice.message_box.press_sequentially("half a thought")
    expect(bob.typing).to_have_text("alice3s is typing…")
    alice.my_room("r3-here").click()
    expect(bob.typing).to_have_text("", timeout=DELIVERY_MS)


def test_joining_and_leaving_are_announced_in_the_room(person):
    alice = person("alice3j", "r3-door")
    bob = person("bob3j", "r3-door")
    expect(alice.notices("r3-door")).to_have_text(["bob3j joined"])
    expect(alice.page.locator("#members li")).to_have_text(["alice3j", "bob3j"])

    bob.page.get_by_role("button", name="Leave r3-door").click()
    expect(alice.notices("r3-door")).to_have_text(["bob3j joined", "bob3j left"])
    expect(alice.page.locator("#members li")).to_have_text(["alice3j"])

    bob.join("r3-door")
    expect(alice.notices("r3-door").last).to_have_text("bob3j joined")
    bob.page.close()
    expect(alice.notices("r3-door").last).to_have_text("bob3j left")


def test_switching_rooms_and_the_directory_with_live_member_counts(person):
    alice = person("alice4", "r4-north")
    alice.send("Snow up here")
    expect(alice.listed_room("r4-north")).to_contain_text("1 online")
    bob = person("bob4", "r4-south")
    expect(alice.listed_room("r4-south")).to_contain_text("1 online")

    alice.listed_room("r4-south").click()
    alice.expect_open("r4-south")
    expect(bob.listed_room("r4-south")).to_contain_text("2 online")
    expect(alice.my_rooms.locator(".open-room")).to_have_count(2)
    expect(alice.page.get_by_text("Snow up here")).to_be_hidden()

    alice.my_room("r4-north").click()
    alice.expect_open("r4-north")
    expect(alice.page.get_by_text("Snow up here")).to_be_visible()
    bob.send("Anyone in the south?")
    expect(alice.my_room("r4-south").locator(".badge")).to_have_text("1")
    expect(alice.page.get_by_text("Anyone in the south?")).to_be_hidden()

    alice.my_room("r4-south").click()
    expect(alice.message("r4-south", "Anyone in the south?")).to_be_visible()
    expect(alice.my_room("r4-south").locator(".badge")).to_have_count(0)

    bob.page.close()
    expect(alice.listed_room("r4-south")).to_contain_text("1 online")


def test_new_messages_scroll_into_view_unless_the_reader_scrolled_back(person):
    alice = person("alice8", "r8-scroll")
    bob = person("bob8", "r8-scroll")
    # Ten long messages fill more than a screen and stay within the sending rate limit.
    for number in range(1, 11):
        bob.send(f"line {number} " + "and a long story " * 20)
    expect(alice.messages("r8-scroll")).to_have_count(10)
    expect(alice.messages("r8-scroll").last).to_be_in_viewport()

    logs = alice.page.locator("#logs")
    logs.evaluate("box => { box.scrollTop = 0; }")
    bob.send("while alice reads back")
    expect(alice.message("r8-scroll", "while alice reads back")).to_be_attached()
    expect(alice.messages("r8-scroll").first).to_be_in_viewport()
    expect(alice.message("r8-scroll", "while alice reads back")).not_to_be_in_viewport()

    logs.evaluate("box => { box.scrollTop = box.scrollHeight; }")
    bob.send("back at the end")
    expect(alice.message("r8-scroll", "back at the end")).to_be_in_viewport()


def test_markup_in_a_message_is_shown_as_text_and_runs_nothing(person):
    alice = person("alice5", "r5-markup")
    bob = person("bob5", "r5-markup")
    hostile = [
        '<img src=x onerror="window.__xss=1">',
        "<script>window.__xss=2</script>",
    ]
    for text in hostile:
        alice.send(text)
        expect(bob.message("r5-markup", text)).to_be_visible(timeout=DELIVERY_MS)
    carol = person("carol5", "r5-markup")

    for chat in (alice, bob, carol):
        expect(chat.texts("r5-markup")).to_have_text(hostile)
        expect(chat.page.locator("#logs img, #logs script")).to_have_count(0)
        assert chat.page.evaluate("window.__xss") is None


def test_keyboard_only_enter_sends_and_focus_stays_in_the_box(open_page, person, server):
    bob = person("bob7", "r7-keys")
    page = open_page("dora7")
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator("#nickname")).to_be_focused()
    page.keyboard.type("dora7")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("r7-keys")
    page.keyboard.press("Enter")

    message_box = page.locator("#message")
    expect(message_box).to_be_focused()
    log = page.get_by_role("log", name="Messages in r7-keys")
    # The room's log is made by the page's script once it runs: from then on Enter sends
    # (before, the text area is a plain one, where Enter adds a line).
    expect(log).to_be_attached()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    expect(log.locator("li.message.own .text")).to_have_text("Typed without a mouse")
    expect(message_box).to_be_focused()
    expect(message_box).to_have_value("")

    page.keyboard.type("And again")
    page.keyboard.press("Enter")
    expect(log.locator("li.message.own .text")).to_have_text(["Typed without a mouse", "And again"])
    expect(message_box).to_be_focused()

    others_log = bob.page.get_by_role("log", name="Messages in r7-keys")
    expect(others_log).to_have_attribute("aria-live", "polite")
    expect(others_log.locator("li.message .text")).to_have_text(
        ["Typed without a mouse", "And again"]
    )
