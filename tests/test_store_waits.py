"""On PostgreSQL, a query that waits holds up only its own user: the real server (gunicorn's
eventlet worker) keeps delivering to everyone else meanwhile, because psycopg's waits yield
to the event loop."""

import threading
import time

import psycopg
import pytest
import socketio
from servers import GunicornServer
from test_store import wait_until_a_session_waits_for_a_lock

pytestmark = pytest.mark.timeout(90)

NOTICES = 5


class User:
    """A python-socketio client over WebSocket that notes the typing notices it receives."""

    def __init__(self, url, nick):
        self.notices = []
        self.socket = socketio.Client(reconnection=False)
        self.socket.on("typing", self.notices.append)
        self.socket.connect(url, auth={"nick": nick}, transports=["websocket"], wait_timeout=10)

    def call(self, event, payload):
        return self.socket.call(event, payload, timeout=30)

    def call_later(self, event, payload):
        """Send an event without waiting; the returned event is set once its ack arrives."""
        answered = threading.Event()
        answered.ack = None

        def arrived(ack):
            answered.ack = ack
            answered.set()

        self.socket.emit(event, payload, callback=arrived)
        return answered

    def close(self):
        self.socket.disconnect()


@pytest.fixture
def server(tmp_path, postgres_database):
    with GunicornServer(tmp_path, env={"FLASK_DATABASE": postgres_database}) as server:
        yield server


@pytest.fixture
def users(server):
    opened = []

    def user(nick, *rooms):
        opened.append(User(server.url, nick))
        for room in rooms:
            assert opened[-1].call("join", {"room": room})["ok"]
        return opened[-1]

    yield user
    for opened_user in opened:
        opened_user.close()


def others_exchange_notices(sender, receiver):
    """The sender sends NOTICES typing notices; wait (bounded) until the receiver has them."""
    for n in range(NOTICES):
        assert sender.call("typing", {"room": "quick", "active": n % 2 == 0})["ok"]
    deadline = time.monotonic() + 10
    while len(receiver.notices) < NOTICES and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(receiver.notices)


def test_a_read_waiting_for_a_lock_holds_up_only_its_own_user(users, postgres_database):
    alice = users("alice")
    bob, carol = users("bob", "quick"), users("carol", "quick")
    with psycopg.connect(postgres_database) as other_session:
        other_session.execute("LOCK TABLE message IN ACCESS EXCLUSIVE MODE")
        joining = alice.call_later("join", {"room": "slow"})
        wait_until_a_session_waits_for_a_lock(postgres_database)
        assert others_exchange_notices(bob, carol) == NOTICES
        assert not joining.is_set(), "alice's read is still waiting for the lock"
        other_session.rollback()
    assert joining.wait(10) and joining.ack["ok"] and joining.ack["history"] == []


def test_a_commit_waiting_for_a_lock_holds_up_no_one_s_notices(users, postgres_database):
    alice = users("alice", "held")
    bob, carol = users("bob", "quick"), users("carol", "quick")
    assert alice.call("chat message", {"room": "held", "text": "first"})["seq"] == 1
    with psycopg.connect(postgres_database) as other_session:
        other_session.execute("SELECT * FROM room WHERE name = 'held' FOR UPDATE")
        sending = alice.call_later("chat message", {"room": "held", "text": "second"})
        wait_until_a_session_waits_for_a_lock(postgres_database)
        assert others_exchange_notices(bob, carol) == NOTICES
        assert not sending.is_set(), "alice's commit is still waiting for the lock"
        other_session.rollback()
    assert sending.wait(10) and sending.ack["ok"] and sending.ack["seq"] == 2
