"""The benchmark's floor (bench/floor): our stack with the reference's handlers must speak the
reference's contract, or its figures would measure a broken server."""

import time

import pytest
import socketio
from servers import ROOT, GunicornServer
from test_server import ChatClient, refusals

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def floor(tmp_path):
    env = {"PYTHONPATH": str(ROOT)}
    with GunicornServer(tmp_path, env=env, name="floor", root=ROOT / "bench" / "floor") as server:
        yield server


def test_the_floor_passes_a_message_to_the_rest_of_the_room_and_acks_it(floor):
    alice, bob, carol = (ChatClient(floor.url, nick) for nick in ("alice", "bob", "carol"))
    for client, room in ((alice, "lobby"), (bob, "lobby"), (carol, "other")):
        ack = client.call("join", {"room": room})
        assert ack == {"ok": True, "room": room, "members": [], "history": []}
    ack = alice.call("chat message", {"room": "lobby", "text": "hello floor"})
    assert ack["ok"] and ack["id"] == 1
    assert bob.arrived.wait(5)
    assert bob.messages == [
        {"id": 1, "room": "lobby", "nick": "alice", "text": "hello floor", "ts": ack["ts"]}
    ]
    assert alice.messages == [] and carol.messages == []
    refused = carol.call("chat message", {"room": "lobby", "text": "not a member"})
    assert refused == {"ok": False, "error": "not in room"}
    assert carol.call("join", {"room": ""}) == {"ok": False, "error": "invalid room"}
    for client in (alice, bob, carol):
        client.close()


def test_the_floor_refuses_a_nickname_in_use_until_its_holder_leaves(floor):
    alice = ChatClient(floor.url, "alice")
    assert refusals(floor.url, {"nick": "alice"}) == [{"message": "nickname already in use"}]
    alice.close()
    again = connected_within(5.0, floor.url, "alice")
    assert again.call("join", {"room": "lobby"})["ok"]
    again.close()


def connected_within(seconds, url, nick):
    """A client for nick, connected once the server has seen the last holder leave."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return ChatClient(url, nick)
        except socketio.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
