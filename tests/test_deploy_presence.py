"""Presence shared through a real Redis: several SharedPresence objects stand for processes."""

import contextlib
import os
import signal
import time

import engineio
import pytest
import redis
from deploy_servers import RedisServer

from chat.cluster.link import RedisLink, RedisUnavailable
from chat.cluster.shared_presence import PREFIX, SharedPresence
from chat.core.names import comparison_key
from chat.runtime import Runtime

pytestmark = pytest.mark.timeout(60)

TTL = 1
# Short, so that Redis is frozen for less than the TTL while a test waits one out.
TIMEOUT = 0.2


@pytest.fixture(scope="module")
def queue(tmp_path_factory):
    """One redis-server for the module."""
    with RedisServer(tmp_path_factory.mktemp("presence")) as server:
        yield server


@pytest.fixture
def processes(queue):
    """Make presences on an emptied Redis, each as one process would; detached at the end."""
    redis.Redis.from_url(queue.url).flushdb()
    made = []

    def process():
        runtime = Runtime.of(engineio.Server(async_mode="threading"))
        presence = SharedPresence(RedisLink(queue.url, TIMEOUT, runtime), TTL, runtime)
        presence.departures = []
        presence.report_departures_to(lambda *departure: presence.departures.append(departure))
        made.append(presence)
        return presence

    yield process
    for presence in made:
        presence.detach()


def eventually(condition, timeout=5.0):
    """Poll condition() until true or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_nickname_held_in_one_process_is_refused_to_others_in_another(processes):
    one, two = processes(), processes()
    assert one.claim("s1", "Alice", "owner-a") == (True, True)
    assert two.claim("s2", "alice", "owner-b") == (False, False)
    assert two.holder("ALICE") == "owner-a"
    # The same owner (another tab) may hold it there too; it was online already.
    assert two.claim("s3", "alice", "owner-a") == (True, False)
    assert two.claim("s4", "bob", "owner-b") == (True, True)


def test_the_nickname_held_under_a_key_is_told_as_spelled_in_any_process(processes):
    one, two = processes(), processes()
    one.claim("s1", "Alice", "owner-a")
    assert two.online_as(comparison_key("aLiCe")) == "Alice"
    assert two.online_as(comparison_key("nobody")) is None


def test_members_and_the_directory_cover_every_process(processes):
    one, two = processes(), processes()
    for presence, sid, nick, room in (
        (one, "s1", "alice", "lobby"),
        (two, "s2", "Bob", "lobby"),
        (two, "s3", "carol", "kitchen"),
    ):
        presence.claim(sid, nick, f"owner-{nick}")
        presence.join(sid, room)
    assert one.members("lobby", 10) == two.members("lobby", 10) == (["alice", "Bob"], False, 2)
    assert one.directory() == [
        {"name": "kitchen", "members": 1},
        {"name": "lobby", "members": 2},
    ]


def test_a_member_list_across_processes_comes_in_pages_in_list_order(processes):
    one, two = processes(), processes()
    for presence, sid, nick in (
        (one, "s1", "dave"),
        (two, "s2", "Bob"),
        (one, "s3", "alice"),
        (two, "s4", "carol"),
        (one, "s5", "erin"),
    ):
        presence.claim(sid, nick, f"owner-{nick}")
        presence.join(sid, "lobby")
    assert one.members("lobby", 2) == (["alice", "Bob"], True, 5)
    assert two.members("lobby", 2, after="Bob") == (["carol", "dave"], True, 5)
    assert one.members("lobby", 2, after="dave") == (["erin"], False, 5)
    assert two.member_count("lobby") == 5 and two.occupied("lobby")


def test_the_listing_ranks_the_busiest_rooms_across_processes(processes):
    one, two = processes(), processes()
    for presence, sid, nick, rooms in (
        (one, "s1", "alice", ["big", "b"]),
        (two, "s2", "bob", ["big"]),
        (two, "s3", "carol", ["big", "a"]),
    ):
        presence.claim(sid, nick, f"owner-{nick}")
        for room in rooms:
            presence.join(sid, room)
    assert one.listing() == {
        "rooms": [
            {"name": "big", "members": 3},
            {"name": "a", "members": 1},
            {"name": "b", "members": 1},
        ],
        "total": 3,
    }
    two.release("s3")
    assert two.listing()["rooms"] == [{"name": "big", "members": 2}, {"name": "b", "members": 1}]


def test_joins_and_departures_count_once_across_processes(processes):
    one, two = processes(), processes()
    one.claim("s1", "alice", "owner-a")
    two.claim("s2", "alice", "owner-a")
    assert one.join("s1", "lobby") == 1
    assert two.join("s2", "lobby") is None
    assert one.leave("s1", "lobby") is None
    assert one.release("s1") == ("alice", {}, False)
    assert two.release("s2") == ("alice", {"lobby": 0}, True)
    assert one.members("lobby", 10) == ([], False, 0) and one.holder("alice") is None


def test_a_dead_process_stops_counting_after_its_ttl_and_is_cleared(processes, queue):
    dead, alive = processes(), processes()
    dead.claim("s1", "alice", "owner-a")
    dead.join("s1", "lobby")
    alive.claim("s2", "bob", "owner-b")
    alive.join("s2", "lobby")
    dead.detach()  # no more heartbeats, as after SIGKILL

    eventually(lambda: alive.members("lobby", 10).names == ["bob"])
    assert alive.holder("alice") is None
    store = redis.Redis.from_url(queue.url)
    eventually(lambda: not store.keys(f"{PREFIX}{dead.process}:*"))
    assert not store.sismember(f"{PREFIX}processes", dead.process)
    assert alive.departures == [("alice", {"lobby": 1}, True)]


def test_a_process_that_proves_itself_alive_again_is_not_reaped(processes):
    one, two = processes(), processes()
    one.claim("s1", "alice", "owner-a")
    one.join("s1", "lobby")
    # As if two had found one's key expired just before one's heartbeat renewed it.
    assert two._departed(one.process, "alice", True, ["lobby"]) == ({}, False)
    assert two.members("lobby", 10) == (["alice"], False, 1)
    assert two.holder("alice") == "owner-a"


def test_a_process_publishes_itself_again_after_redis_lost_everything(processes, queue):
    one, two = processes(), processes()
    one.claim("s1", "alice", "owner-a")
    one.join("s1", "lobby")
    redis.Redis.from_url(queue.url).flushdb()
    assert two.members("lobby", 10).names == []

    eventually(lambda: two.members("lobby", 10).names == ["alice"])
    assert two.holder("alice") == "owner-a"


@contextlib.contextmanager
def frozen(queue):
    """Redis stopped in its tracks (SIGSTOP) inside the block, and always resumed after it."""
    os.killpg(queue.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(queue.process.pid, signal.SIGCONT)


def test_while_redis_does_not_answer_a_process_answers_alone_and_refuses_new_nicknames(
    processes, queue
):
    one, two = processes(), processes()
    one.claim("s1", "alice", "owner-a")
    one.join("s1", "lobby")
    two.claim("s2", "bob", "owner-b")
    two.join("s2", "lobby")

    with frozen(queue):
        assert one.members("lobby", 10).names == ["alice"]
        assert one.holder("bob") is None and one.holder("alice") == "owner-a"
        assert one.online_as(comparison_key("ALICE")) == "alice"
        with pytest.raises(RedisUnavailable):
            one.claim("s3", "carol", "owner-c")
        assert one.claim("s4", "Alice", "owner-a") == (True, False)
        assert one.join("s1", "kitchen") == 1
        assert one.directory() == [
            {"name": "kitchen", "members": 1},
            {"name": "lobby", "members": 1},
        ]
        assert one.release("s4") == ("Alice", {}, False)


def test_what_a_process_did_while_redis_did_not_answer_is_shared_once_it_answers(processes, queue):
    one, two = processes(), processes()
    one.claim("s1", "alice", "owner-a")
    one.join("s1", "lobby")
    one.claim("s2", "bob", "owner-b")
    one.join("s2", "lobby")

    with frozen(queue):
        one.join("s1", "kitchen")
        assert one.release("s2") == ("bob", {"lobby": 1}, True)

    def shared():
        return two.members("lobby", 10), two.members("kitchen", 10), two.holder("bob")

    eventually(lambda: shared() == ((["alice"], False, 1), (["alice"], False, 1), None))
