"""The real server: gunicorn's eventlet worker in a subprocess, real WebSocket clients."""

import threading

import pytest
import socketio
from servers import GunicornServer

pytestmark = pytest.mark.timeout(90)


class ChatClient:
    """A python-socketio client over WebSocket that records the messages it receives; with
    headers, it sends them with its connection request."""

    def __init__(self, url, nick, headers=None):
        self._received = []
        self.arrived = threading.Event()
        self.socket = socketio.Client(reconnection=False)
        self.socket.on("chat message", self._on_message)
        self.socket.connect(
            url,
            auth={"nick": nick},
            headers=headers or {},
            transports=["websocket"],
            wait_timeout=10,
        )

    @property
    def messages(self):
        """The messages received, in the order the server committed and sent them."""
        # The client library runs each event's handler on a thread of its own, so under load
        # the handlers may append in another order than the frames arrived in.
        return sorted(self._received, key=lambda message: message["id"])

    def _on_message(self, message):
        self._received.append(message)
        self.arrived.set()

    def call(self, event, payload):
        return self.socket.call(event, payload, timeout=10)

    def close(self):
        self.socket.disconnect()


def refusals(url, auth):
    """What a connection with auth is told when refused, which it must be: the payloads of its
    connect_error events."""
    reasons = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", reasons.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, auth=auth, transports=["websocket"])
    return reasons


@pytest.fixture
def server(tmp_path):
    with GunicornServer(tmp_path) as server:
        yield server


def test_two_users_chat_over_a_real_websocket(server):
    alice, bob, carol = (ChatClient(server.url, nick) for nick in ("alice", "bob", "carol"))
    assert alice.socket.transport() == "websocket"
    for client, room in ((alice, "lobby"), (bob, "lobby"), (carol, "other")):
        assert client.call("join", {"room": room})["ok"]
    ack = alice.call("chat message", {"room": "lobby", "text": "hello over the wire"})
    assert ack["ok"]
    assert bob.arrived.wait(5)
    assert bob.messages == [
        {
            "id": ack["id"],
            "room": "lobby",
            "seq": ack["seq"],
            "nick": "alice",
            "text": "hello over the wire",
            "ts": ack["ts"],
        }
    ]
    assert carol.messages == [] and alice.messages == []
    for client in (alice, bob, carol):
        client.close()


def test_a_refused_connection_says_why(server):
    alice = ChatClient(server.url, "alice")
    assert refusals(server.url, {"nick": "Alice"}) == [
        {"message": "Nickname 'Alice' is already in use."}
    ]
    alice.close()


def test_history_survives_a_server_restart(server):
    alice = ChatClient(server.url, "alice")
    alice.call("join", {"room": "lobby"})
    sent = [alice.call("chat message", {"room": "lobby", "text": f"m{n}"})["id"] for n in range(3)]
    server.kill()
    server.start()
    bob = ChatClient(server.url, "bob")
    history = bob.call("join", {"room": "lobby"})["history"]
    assert [m["id"] for m in history] == sent
    assert [m["text"] for m in history] == ["m0", "m1", "m2"]
    bob.close()
