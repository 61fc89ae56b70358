"""The member list of a room bigger than one page: the exact count, more names on demand, and
both following the room as people come and go.

The server here names 5 members per page, so that a dozen people make a big room.
"""

import pytest
import socketio
from playwright.sync_api import expect

PAGE = 5


@pytest.fixture(scope="module")
def server_env():
    """A server with pages of PAGE members."""
    return {"FLASK_MEMBERS_PAGE": str(PAGE)}


@pytest.fixture
def crowd(server):
    """Put nicknames in a room, each on a socket of its own; they disconnect at the end."""
    clients = []

    def crowd(room, nicks):
        joined = []
        for nick in nicks:
            client = socketio.Client()
            client.connect(server.url, auth={"nick": nick}, transports=["websocket"])
            assert client.call("join", {"room": room}, timeout=10)["ok"]
            joined.append(client)
        clients.extend(joined)
        return joined

    yield crowd
    for client in clients:
        if client.connected:
            client.disconnect()


def open_members(chat):
    """Open the room's member list; return its names."""
    chat.page.locator(".members summary").click()
    return chat.page.locator("#members li.member")


def test_a_big_room_shows_its_exact_count_and_more_names_on_demand(person, crowd):
    crowd("m-lobby", [f"guest{n:02}" for n in range(11)])
    alice = person("alice", "m-lobby")

    expect(alice.page.locator("#member-count")).to_have_text("12")
    names = open_members(alice)
    expect(names).to_have_text(["alice", "guest00", "guest01", "guest02", "guest03"])
    alice.page.get_by_role("button", name="Show 7 more").click()
    expect(names).to_have_count(10)
    alice.page.get_by_role("button", name="Show 2 more").click()
    expect(names).to_have_text(["alice", *[f"guest{n:02}" for n in range(11)]])
    expect(alice.page.locator("#members .members-more")).to_have_count(0)


def test_a_big_room_s_count_and_list_follow_arrivals_and_departures(person, crowd):
    guests = crowd("m-hall", [f"hall{n}" for n in range(6)])
    bob = person("bob", "m-hall")
    count = bob.page.locator("#member-count")
    expect(count).to_have_text("7")
    names = open_members(bob)
    expect(names).to_have_text(["bob", "hall0", "hall1", "hall2", "hall3"])

    guests[1].disconnect()
    expect(count).to_have_text("6")
    expect(names).to_have_text(["bob", "hall0", "hall2", "hall3"])
    crowd("m-hall", ["hall1b"])
    expect(count).to_have_text("7")
    expect(names).to_have_text(["bob", "hall0", "hall1b", "hall2", "hall3"])
    # In a big room, arrivals and departures show in the count and the list, not in the log.
    expect(bob.notices("m-hall")).to_have_count(0)


def test_a_room_that_fits_one_page_still_tells_each_arrival(person, crowd):
    carol = person("carol", "m-small")
    crowd("m-small", ["smallguest"])
    expect(carol.notices("m-small")).to_have_text(["smallguest joined"])
    expect(carol.page.locator("#member-count")).to_have_text("2")
