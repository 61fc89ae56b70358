"""Rooms on the page when the server refuses to leave, re-join or catch up: the room says so,
the page keeps agreeing with the server, and it tries again when the server says to wait.

Each test has a server of its own, and restarts it with a tight limit on events other than
messages (`FLASK_EVENT_RATE_*`): after the restart each page re-joins its rooms at once, and
the limit refuses what goes past its burst, with `retry_after`, as it would a flood.
"""

import re

import pytest
from chat_page import ChatPage
from playwright.sync_api import expect
from servers import GunicornServer

RECONNECT_MS = 15_000
SENT = re.compile(r"\bsent\b")
PENDING = re.compile(r"\bpending\b")
TOO_MANY = "Too many requests; slow down."


@pytest.fixture
def server(tmp_path):
    """A server for this test alone, since the test restarts it with settings of its own."""
    with GunicornServer(tmp_path) as server:
        yield server


def restart_with(server, burst, per_second, **settings):
    """Kill the server and start it again allowing each connection `burst` events other than
    messages at once and `per_second` after that, plus any other FLASK_ settings."""
    server.kill()
    server.env.update(
        FLASK_EVENT_RATE_BURST=str(burst), FLASK_EVENT_RATE_LIMIT=str(per_second), **settings
    )
    server.start()


def pause_clock(page):
    """Stop the page's clock (installed before it loaded) a moment from now: no timer fires."""
    now_ms = page.evaluate("Date.now()")
    # pause_at takes seconds, and must be ahead of the page's clock when it gets there.
    page.clock.pause_at((now_ms + 300) / 1000)


def test_a_refused_leave_keeps_the_room_and_says_why(person, server):
    alice = person("alice", "l-one")
    alice.join("l-two")
    bob = person("bob", "l-two")

    # Re-joining two rooms spends the burst; the next token is 20 s away.
    restart_with(server, burst=2, per_second=0.05)
    expect(alice.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    alice.page.get_by_role("button", name="Leave l-two").click()

    expect(alice.my_room_entry("l-two").locator(".room-note")).to_have_text(
        f"Could not leave: {TOO_MANY}"
    )
    alice.expect_open("l-two")
    alice.send("still here")
    expect(bob.message("l-two", "still here")).to_be_visible()
    expect(bob.page.locator("#members li")).to_have_text(["alice", "bob"])


def test_a_room_refused_on_rejoin_says_why_and_is_joined_again_by_itself(person, server):
    alice = person("alice", "j-one")
    alice.join("j-two")
    alice.join("j-three")
    bob = person("bob", "j-three")
    alice.my_room("j-one").click()

    # Re-joining three rooms with a burst of two: the third is refused for 10 s.
    restart_with(server, burst=2, per_second=0.1)
    refused = alice.my_room_entry("j-three")
    expect(refused.locator(".room-note")).to_contain_text(
        f"Not joined: {TOO_MANY} Trying again in", timeout=RECONNECT_MS
    )
    expect(refused.get_by_role("button", name="Join again: #j-three")).to_be_visible()
    expect(alice.my_room_entry("j-one")).to_have_attribute("data-state", "joined")
    alice.my_room("j-three").click()
    expect(alice.page.locator("#room-notice")).to_contain_text(f"Not joined: {TOO_MANY}")
    alice.send("written while not joined")
    expect(alice.message("j-three", "written while not joined")).to_have_class(PENDING)

    expect(refused).to_have_attribute("data-state", "joined", timeout=RECONNECT_MS)
    expect(refused.locator(".room-note")).to_have_count(0)
    expect(alice.page.locator("#room-notice")).to_be_hidden()
    expect(alice.message("j-three", "written while not joined")).to_have_class(SENT)
    expect(bob.message("j-three", "written while not joined")).to_be_visible()


def test_a_room_refused_on_rejoin_is_joined_with_its_button(open_page, server):
    """The page's clock is paused once the refusal shows, so that its own retry cannot fire:
    what joins the room is the button, pressed after the server's wait is over."""
    page = open_page("alice")
    page.clock.install()
    page.goto(server.url + "/")
    alice = ChatPage.enter(page, "alice", "b-one")
    alice.join("b-two")
    alice.join("b-three")

    # The third room is refused for 4 s; a little later the server has a token again.
    restart_with(server, burst=2, per_second=0.25)
    refused = alice.my_room_entry("b-three")
    expect(refused.locator(".room-note")).to_contain_text(TOO_MANY, timeout=RECONNECT_MS)
    pause_clock(page)
    page.wait_for_timeout(4500)
    expect(refused).to_have_attribute("data-state", "not-joined")

    refused.get_by_role("button", name="Join again: #b-three").click()
    expect(refused).to_have_attribute("data-state", "joined")
    expect(refused.locator(".room-note")).to_have_count(0)
    page.clock.resume()


def test_a_refused_catch_up_batch_is_asked_again_until_the_gap_is_filled(person, server):
    alice = person("alice", "c-gap")
    bob = person("bob", "c-gap")
    alice.send("before the restart")
    expect(bob.message("c-gap", "before the restart")).to_be_visible()

    server.kill()
    expect(alice.status).to_have_attribute("data-state", "reconnecting")
    alice.page.context.set_offline(True)
    # Batches of two, and a burst of two: the re-join and one batch go through, the next
    # batch is refused, and every later one waits 2 s for its token.
    restart_with(server, burst=2, per_second=0.5, FLASK_CATCH_UP_BATCH="2")
    expect(bob.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    missed = [f"missed {number}" for number in range(1, 8)]
    for text in missed:
        bob.send(text)
        expect(bob.message("c-gap", text)).to_have_class(SENT)

    alice.page.context.set_offline(False)
    note = alice.my_room_entry("c-gap").locator(".room-note")
    expect(note).to_contain_text(
        f"Missed messages not fetched: {TOO_MANY} Trying again in", timeout=RECONNECT_MS
    )
    expect(alice.page.locator("#room-notice")).to_contain_text("Missed messages not fetched")
    expect(alice.texts("c-gap")).to_have_text(["before the restart", *missed], timeout=20_000)
    expect(note).to_have_count(0)
    expect(alice.my_room_entry("c-gap")).to_have_attribute("data-state", "joined")


def test_a_gap_left_by_an_unfinished_catch_up_is_fetched_after_the_next_reconnect(person, server):
    alice = person("alice", "g-gap")
    bob = person("bob", "g-gap")
    alice.send("before the restart")
    expect(bob.message("g-gap", "before the restart")).to_be_visible()

    server.kill()
    expect(alice.status).to_have_attribute("data-state", "reconnecting")
    alice.page.context.set_offline(True)
    # Batches of two; after the re-join and one batch, the next is 50 s away.
    restart_with(server, burst=2, per_second=0.02, FLASK_CATCH_UP_BATCH="2")
    expect(bob.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    missed = [f"missed {number}" for number in range(1, 8)]
    for text in missed:
        bob.send(text)
        expect(bob.message("g-gap", text)).to_have_class(SENT)
    alice.page.context.set_offline(False)
    note = alice.my_room_entry("g-gap").locator(".room-note")
    expect(note).to_contain_text("Missed messages not fetched", timeout=RECONNECT_MS)
    # Past the page's 5 s resume overlap, a live message is all its newest arrivals hold: only
    # the gap it remembers can bring the rest back after the next restart.
    alice.page.wait_for_timeout(5500)
    bob.send("said while alice is behind")
    expect(alice.message("g-gap", "said while alice is behind")).to_be_visible()

    restart_with(server, burst=200, per_second=50)
    expected = ["before the restart", *missed, "said while alice is behind"]
    expect(alice.texts("g-gap")).to_have_text(expected, timeout=RECONNECT_MS)
    expect(note).to_have_count(0)
