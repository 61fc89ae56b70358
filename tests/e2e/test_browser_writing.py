"""Writing a message: a box that grows with its lines, Enter to send and Shift+Enter for a new
line, a counter near the length limit and a clear refusal past it, right-to-left text."""

from playwright.sync_api import expect

LIMIT = 2000


def test_shift_enter_starts_a_new_line_and_enter_sends_the_lines_as_written(person):
    alice = person("alice", "w-lines")
    bob = person("bob", "w-lines")
    alice.message_box.press_sequentially("Shopping list:")
    alice.message_box.press("Shift+Enter")
    alice.message_box.press_sequentially("- bread")
    expect(alice.message_box).to_have_value("Shopping list:\n- bread")
    expect(alice.messages("w-lines")).to_have_count(0)

    alice.message_box.press("Enter")
    received = bob.message("w-lines", "Shopping list:\n- bread").locator(".text")
    expect(received).to_have_js_property("innerText", "Shopping list:\n- bread")
    expect(alice.message_box).to_have_value("")


def test_pasted_lines_are_kept(person):
    alice = person("alice2", "w-paste")
    bob = person("bob2", "w-paste")
    alice.message_box.focus()
    alice.page.keyboard.insert_text("first line\nsecond line\nthird line")
    alice.message_box.press("Enter")
    received = bob.messages("w-paste").locator(".text")
    expect(received).to_have_js_property("innerText", "first line\nsecond line\nthird line")


def test_the_message_box_grows_with_its_lines_up_to_a_limit(person):
    alice = person("alice3", "w-grow")
    one_line = alice.message_box.bounding_box()["height"]
    alice.message_box.focus()
    alice.page.keyboard.insert_text("one\ntwo\nthree")
    three_lines = alice.message_box.bounding_box()["height"]
    assert three_lines > 2 * one_line * 0.8
    alice.page.keyboard.insert_text("\nmore" * 40)
    assert alice.message_box.bounding_box()["height"] < alice.page.viewport_size["height"] / 2
    alice.message_box.press("Enter")
    expect(alice.message_box).to_have_value("")
    assert abs(alice.message_box.bounding_box()["height"] - one_line) < 1


def test_a_counter_shows_near_the_limit_and_a_longer_paste_is_refused_clearly(person):
    alice = person("alice4", "w-long")
    bob = person("bob4", "w-long")
    counter = alice.page.locator("#message-count")
    alice.message_box.focus()
    alice.page.keyboard.insert_text("a" * 1500)
    expect(counter).to_be_hidden()
    alice.page.keyboard.insert_text("b" * 400)
    expect(counter).to_have_text(f"1900 / {LIMIT}")

    alice.page.keyboard.insert_text("c" * 250)
    expect(alice.message_box).to_have_value("a" * 1500 + "b" * 400 + "c" * 250)
    expect(counter).to_have_text(f"2150 / {LIMIT}: 150 too many")
    alice.message_box.press("Enter")
    expect(alice.page.locator("#send-error")).to_have_text(
        f"This message is 2150 characters long; the limit is {LIMIT}. Shorten it to send it."
    )
    expect(alice.messages("w-long")).to_have_count(0)

    alice.message_box.fill("a" * LIMIT)
    alice.message_box.press("Enter")
    expect(bob.messages("w-long")).to_have_count(1)
    expect(alice.page.locator("#send-error")).to_be_empty()
    expect(counter).to_be_hidden()


def test_right_to_left_text_is_shown_right_to_left(person):
    alice = person("alice5", "w-rtl")
    bob = person("bob5", "w-rtl")
    alice.message_box.fill("שלום לכולם")
    expect(alice.message_box).to_have_js_property("dir", "auto")
    alice.message_box.press("Enter")
    text = bob.message("w-rtl", "שלום לכולם").locator(".text")
    expect(text).to_have_attribute("dir", "auto")
    expect(text).to_have_css("direction", "rtl")
    alice.send("hello")
    expect(bob.message("w-rtl", "hello").locator(".text")).to_have_css("direction", "ltr")
