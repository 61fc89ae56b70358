"""Two gunicorn processes sharing Redis and one database, behind the shipped
apache/chat-balancer.conf: cross-process rooms, announcements, and losing a process."""

import os
import signal
import subprocess
import sys
import time

import pytest
import socketio
from deploy_servers import RoamingUser, balanced_site, roaming_users
from servers import ROOT

from chat.realtime.events import RESERVED

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]

# Short, so a user who never comes back is reported gone within seconds.
PRESENCE_TTL = 4
# What "reconnects promptly" means here, against the 30 s a stopping process could hold
# its clients (gunicorn's default graceful timeout, which the cluster uses).
PROMPT = 5.0


@pytest.fixture
def cluster(tmp_path):
    """Redis, two gunicorn processes (routes 1 and 2) on one database, Apache balancing them."""
    env = {
        "FLASK_PRESENCE_TTL": str(PRESENCE_TTL),
        "GUNICORN_ACCESS_LOG": "-",
        "GUNICORN_GRACEFUL_TIMEOUT": "30",
    }
    with balanced_site(tmp_path, env) as site:
        yield site


@pytest.fixture
def users(cluster):
    """Connect RoamingUsers through the balancer; all are closed at the end."""
    with roaming_users(cluster.url) as user:
        yield user


def served_by(server, user):
    """Whether server's access log shows the user's session (in its polling requests)."""
    return f"sid={user.engine_sid()}" in server.log()


def announce(cluster, *arguments):
    """Run `flask chat announce ...` as an operator would, with the servers' settings."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "chat", "announce", *arguments],
        cwd=ROOT,
        env={**os.environ, **cluster.one.env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_room_message_crosses_processes_and_members_are_listed_once(cluster, users):
    alice = users("alice", route=1, transports=["polling"])
    bob = users("bob", route=2, transports=["polling"])
    alice.wait_until(lambda: served_by(cluster.one, alice) and served_by(cluster.two, bob))
    assert served_by(cluster.one, alice) and not served_by(cluster.two, alice)
    assert served_by(cluster.two, bob) and not served_by(cluster.one, bob)

    alice.join("lobby")
    assert bob.join("lobby")["members"] == ["alice", "bob"]
    alice.say("lobby", "from process one")
    bob.wait_until(lambda: bob.texts("lobby") == ["from process one"], what="alice's message")
    bob.say("lobby", "from process two")
    alice.wait_until(lambda: "from process two" in alice.texts("lobby"), what="bob's message")
    alice.wait_until(lambda: alice.events("user joined") == [{"room": "lobby", "nick": "bob"}])


def test_a_nickname_is_taken_across_processes(cluster, users):
    users("alice", route=1)
    impostor = RoamingUser(cluster.url, "Alice", route=2, reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        impostor.connect()
    # alice's nickname is reserved to her (in the database every process shares) as well as
    # held: the reservation is what the impostor meets first.
    assert impostor.events("connect_error") == [{"message": RESERVED.format("Alice")}]


def test_a_polling_client_keeps_its_session_through_the_balancer(cluster, users):
    """Without the sticky ROUTEID cookie, every other poll would reach the wrong process."""
    carol = users("carol", transports=["polling"])
    dave = users("dave")
    carol.join("polls")
    dave.join("polls")
    for number in range(10):
        dave.say("polls", f"poll {number}")
        carol.wait_until(lambda n=number: f"poll {n}" in carol.texts("polls"), what="a message")
    assert (carol.connects, carol.disconnects) == (1, 0)
    assert carol.http.cookies.get("ROUTEID") in (".1", ".2")
    assert served_by(cluster.one, carol) != served_by(cluster.two, carol)


def test_flask_chat_announce_reaches_the_clients_of_both_processes(cluster, users):
    alice = users("alice", route=1)
    bob = users("bob", route=2)
    alice.join("ops")

    to_room = announce(cluster, "Deploy starting", "--room", "Ops")
    assert to_room.returncode == 0, to_room.stderr
    everyone = announce(cluster, "Maintenance at 18:00")
    assert everyone.returncode == 0, everyone.stderr
    assert "2 server process(es) listening" in everyone.stdout

    alice.wait_until(lambda: len(alice.events("announcement")) == 2, what="two announcements")
    # Published in order on one channel: once bob has the second, the first would be in too.
    bob.wait_until(lambda: bob.events("announcement"), what="the announcement to everyone")
    assert [(a["text"], a.get("room")) for a in alice.events("announcement")] == [
        ("Deploy starting", "ops"),
        ("Maintenance at 18:00", None),
    ]
    [to_bob] = bob.events("announcement")
    assert to_bob["text"] == "Maintenance at 18:00" and isinstance(to_bob["ts"], int)


def _lose_process_one(cluster, users, stop):
    """Users on process one lose it while bob, on two, keeps talking; return the seconds
    until both were connected again."""
    alice = users("alice", route=1)
    carol = users("carol", route=1, transports=["polling"])
    bob = users("bob", route=2)
    for user in (alice, carol, bob):
        user.join("lobby")
    assert served_by(cluster.one, carol)
    bob.say("lobby", "before")

    started = time.monotonic()
    stop(cluster.one)
    for number in range(5):
        bob.say("lobby", f"during {number}")
    for user in (alice, carol):
        user.wait_until(lambda u=user: u.connects == 2, timeout=10, what="a reconnect")
    reconnected = max(alice.connected_at, carol.connected_at) - started
    bob.say("lobby", "after")

    expected = ["before", *(f"during {n}" for n in range(5)), "after"]
    for user in (alice, carol):
        user.wait_until(lambda u=user: u.texts("lobby") == expected, what="every message")
        assert all(ack["ok"] for ack in user.events("rejoined"))
    assert served_by(cluster.two, carol)
    # Nobody saw them leave: their nicknames stayed listed while they moved.
    assert bob.events("user left") == []
    assert bob.join("lobby")["members"] == ["alice", "bob", "carol"]
    return reconnected


def test_clients_of_a_killed_process_reconnect_to_the_other_and_miss_nothing(cluster, users):
    reconnected = _lose_process_one(cluster, users, lambda server: server.kill())
    assert reconnected < PROMPT


def test_a_stopped_process_hands_its_clients_over_at_once(cluster, users):
    def stop(server):
        os.killpg(server.process.pid, signal.SIGTERM)

    reconnected = _lose_process_one(cluster, users, stop)
    assert reconnected < PROMPT


def test_a_user_who_does_not_come_back_is_reported_gone(cluster, users):
    erin = users("erin", route=1, reconnection=False)
    bob = users("bob", route=2)
    erin.join("lobby")
    bob.join("lobby")
    cluster.one.kill()
    bob.wait_until(
        lambda: bob.events("user left") == [{"room": "lobby", "nick": "erin"}],
        timeout=PRESENCE_TTL * 2 + 2,
        what="erin reported gone",
    )
    bob.wait_until(
        lambda: {"online": [], "offline": ["erin"]} in bob.events("presence"),
        what="erin reported offline",
    )
    assert bob.join("lobby")["members"] == ["bob"]
