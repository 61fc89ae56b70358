"""Reserved nicknames and direct messages on the real server (gunicorn's eventlet worker):
across a restart, and between two processes sharing Redis and one database."""

import contextlib
import threading

import pytest
import socketio
from deploy_servers import RedisServer
from servers import GunicornServer

pytestmark = pytest.mark.timeout(120)


class Person:
    """A python-socketio client connected with a nickname and a key, as a returning browser
    would be; it records the direct messages it receives, or why it was refused."""

    def __init__(self, url, nick, key):
        self.direct = []
        self.arrived = threading.Event()
        self.refusal = None
        self.socket = socketio.Client(reconnection=False)
        self.socket.on("direct message", self._on_direct)
        self.socket.on("connect_error", self._on_refusal)
        # A refused connect raises; its reason comes as connect_error.
        with contextlib.suppress(socketio.exceptions.ConnectionError):
            self.socket.connect(
                url, auth={"nick": nick, "key": key}, transports=["websocket"], wait_timeout=10
            )

    def _on_direct(self, message):
        self.direct.append(message)
        self.arrived.set()

    def _on_refusal(self, data):
        self.refusal = data

    def call(self, event, payload=None):
        return self.socket.call(event, payload, timeout=10)

    def close(self):
        self.socket.disconnect()


def test_after_a_restart_nobody_else_takes_a_nickname_before_its_owner_is_back(tmp_path):
    with GunicornServer(tmp_path) as server:
        alice = Person(server.url, "alice", "alice's browser")
        assert alice.call("join", {"room": "lobby"})["ok"]
        server.kill()  # no goodbye reaches the database
        server.start()
        mallory = Person(server.url, "alice", "mallory's")
        assert not mallory.socket.connected
        assert mallory.refusal == {
            "message": "Nickname 'alice' is reserved to someone else. If it is yours, "
            "reclaim it on the form with its passphrase."
        }
        alice = Person(server.url, "alice", "alice's browser")
        assert alice.socket.connected, "the returning owner gets the nickname back"
        alice.close()


def test_passphrases_searches_and_conversations_work_on_the_eventlet_worker(tmp_path):
    """The calls that run in a thread there (a passphrase's hash, a search on SQLite) and the
    rest of the new events, on gunicorn's eventlet worker."""
    with GunicornServer(tmp_path) as server:
        alice, bob = Person(server.url, "alice", "a"), Person(server.url, "bob", "b")
        assert alice.call("set passphrase", {"passphrase": "correct horse"}) == {"ok": True}
        assert alice.call("identity")["passphrase"] is True
        for person in (alice, bob):
            assert person.call("join", {"room": "lobby"})["ok"]
        said = alice.call("chat message", {"room": "lobby", "text": "the station at six"})
        alice.call("direct message", {"to": "bob", "text": "the station is closed"})
        found = bob.call("search", {"room": "lobby", "q": "station"})["messages"]
        assert [m["id"] for m in found] == [said["id"]]
        found = bob.call("search", {"with": "alice", "q": "station"})["messages"]
        assert [m["text"] for m in found] == ["the station is closed"]
        [summary] = bob.call("conversations")["conversations"]
        assert (summary["with"], summary["unread"]) == ("alice", 1)
        assert bob.call("read", {"with": "alice", "seq": 1})["read_seq"] == 1
        assert alice.call("edit message", {"id": said["id"], "text": "at seven"})["ok"]
        assert alice.call("delete message", {"id": said["id"]})["ok"]
        for person in (alice, bob):
            person.close()
        assert "Traceback" not in server.log()


@pytest.fixture
def two_processes(tmp_path):
    """Redis, and two gunicorn processes sharing it and one database."""
    with RedisServer(tmp_path) as queue:
        env = {"FLASK_MESSAGE_QUEUE": queue.url}
        one, two = (GunicornServer(tmp_path, env=env, name=name) for name in ("one", "two"))
        for server in (one, two):
            server.start()
        try:
            yield one, two
        finally:
            one.kill()
            two.kill()


def test_a_direct_message_reaches_every_socket_of_the_recipient_on_any_process(two_processes):
    one, two = two_processes
    alice = Person(one.url, "alice", "alice's")
    bob_here, bob_there = Person(one.url, "bob", "bob's"), Person(two.url, "bob", "bob's")
    alice_there = Person(two.url, "alice", "alice's")
    ack = alice.call("direct message", {"to": "bob", "text": "across processes"})
    assert ack["ok"], ack
    for socket in (bob_here, bob_there, alice_there):
        assert socket.arrived.wait(5)
        assert [m["text"] for m in socket.direct] == ["across processes"]
    assert alice.direct == []
    history = bob_there.call("direct history", {"with": "alice"})["messages"]
    assert [(m["from"], m["text"]) for m in history] == [("alice", "across processes")]
    for person in (alice, bob_here, bob_there, alice_there):
        person.close()
