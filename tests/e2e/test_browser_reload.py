"""A reload, or a new tab, opens the page as the person left it: every room they had joined,
the one they had open, and the draft left in each room's message box."""

from playwright.sync_api import expect


def my_rooms(chat):
    """The names of the rooms in the person's list, in order."""
    return chat.my_rooms.locator(".open-room")


def expect_joined(chat, rooms):
    """Expect exactly these rooms in the person's list, in order, each joined."""
    expect(my_rooms(chat)).to_have_text(rooms)
    for room in rooms:
        expect(chat.my_room_entry(room)).to_have_attribute("data-state", "joined")


def test_a_reload_keeps_every_room_and_the_open_one(person):
    alice = person("alice", "rl-one")
    alice.join("rl-two")
    alice.join("rl-three")
    alice.my_room("rl-two").click()
    alice.expect_open("rl-two")

    alice.page.reload()
    alice.wait_until_in("rl-two")
    expect_joined(alice, ["rl-one", "rl-two", "rl-three"])


def test_a_new_tab_opens_with_the_same_rooms(person, server):
    alice = person("alice2", "nt-one")
    alice.join("nt-two")
    alice.send("said in the first tab")

    second_tab = alice.page.context.new_page()
    second_tab.goto(server.url + "/chat")
    again = type(alice)(second_tab)
    again.wait_until_in("nt-two")
    expect_joined(again, ["nt-one", "nt-two"])
    expect(again.message("nt-two", "said in the first tab")).to_be_visible()


def test_a_left_room_stays_left_after_a_reload(person):
    alice = person("alice3", "lf-one")
    alice.join("lf-two")
    alice.page.get_by_role("button", name="Leave lf-one").click()
    expect(my_rooms(alice)).to_have_text(["lf-two"])

    alice.page.reload()
    alice.wait_until_in("lf-two")
    expect_joined(alice, ["lf-two"])


def test_a_room_picked_on_the_form_again_opens_beside_the_others(person, server):
    alice = person("alice4", "fm-one")
    alice.join("fm-two")
    alice.page.goto(server.url + "/")
    expect(alice.page.locator("#nickname")).to_have_value("alice4")
    alice.page.fill("#room", "fm-three")
    alice.page.click("#submit")
    alice.wait_until_in("fm-three")
    expect_joined(alice, ["fm-one", "fm-two", "fm-three"])


def test_each_room_keeps_its_unsent_draft_across_switches_and_reloads(person):
    alice = person("alice5", "dr-one")
    alice.message_box.press_sequentially("half a thought")
    alice.join("dr-two")
    expect(alice.message_box).to_have_value("")
    alice.message_box.press_sequentially("another")

    alice.page.reload()
    alice.wait_until_in("dr-two")
    expect(alice.message_box).to_have_value("another")
    alice.my_room("dr-one").click()
    expect(alice.message_box).to_have_value("half a thought")

    alice.message_box.press("Enter")
    expect(alice.message("dr-one", "half a thought")).to_be_visible()
    alice.page.reload()
    alice.wait_until_in("dr-one")
    expect(alice.message_box).to_have_value("")
