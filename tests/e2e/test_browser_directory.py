"""The "All rooms" list in the room drawer: the server lists the 50 busiest rooms, the page says
how many are occupied in all, and a search field finds the others."""

import pytest
import socketio as socketio_client
from playwright.sync_api import expect

ROOMS_PER_CLIENT = 18
BUSY_ROOMS = [f"busy-{number:02}" for number in range(54)]


@pytest.fixture(scope="module")
def server_env():
    """Enough room creation allowed for one test to occupy more rooms than the list shows."""
    return {"FLASK_ROOMS_CREATED_PER_USER": "100", "FLASK_ROOMS_CREATED_PER_ADDRESS": "100"}


@pytest.fixture
def occupied(server):
    """54 rooms with one person each, held by three programmatic clients."""
    clients = []
    for start in range(0, len(BUSY_ROOMS), ROOMS_PER_CLIENT):
        client = socketio_client.SimpleClient()
        client.connect(server.url, auth={"nick": f"holder{start}"}, transports=["websocket"])
        for room in BUSY_ROOMS[start : start + ROOMS_PER_CLIENT]:
            assert client.call("join", {"room": room}, timeout=10)["ok"]
        clients.append(client)
    yield BUSY_ROOMS
    for client in clients:
        client.disconnect()


def test_all_rooms_shows_the_total_and_finds_rooms_beyond_the_busiest(person, occupied):
    alice = person("alice", "zz-lobby")
    listed = alice.directory.locator(".join-listed")
    expect(alice.page.locator("#room-total")).to_have_text("55")
    expect(listed).to_have_count(50)
    expect(alice.page.locator("#directory-note")).to_have_text(
        "The 50 busiest of 55 rooms: search for the others."
    )
    expect(alice.listed_room("busy-53")).to_have_count(0)

    alice.page.fill("#find-room", "busy-5")
    expect(listed).to_have_text([f"busy-5{number}1 online" for number in range(4)])
    alice.listed_room("busy-53").click()
    alice.expect_open("busy-53")
    expect(alice.page.locator("#members li")).to_have_text(["alice", "holder36"])

    alice.page.fill("#find-room", "nothing like it")
    expect(alice.page.locator("#directory-note")).to_have_text(
        'No occupied room has "nothing like it" in its name.'
    )
    alice.page.fill("#find-room", "")
    expect(listed).to_have_count(50)
