"""Redis frozen (SIGSTOP) or stopped under two gunicorn processes that share it: the chat keeps
answering within seconds, refuses only what it cannot decide without Redis, leaves no ghost
sockets, and works across processes again once Redis is back."""

import contextlib
import os
import re
import signal
import threading
import time
from types import SimpleNamespace

import pytest
import redis
import requests
import socketio
from deploy_servers import RedisServer
from read_order import ReadOrder
from servers import GunicornServer

from chat.realtime.events import RESERVED

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

# "Within a few seconds": what every answer must beat while Redis does not answer.
PROMPT = 3.0
# How long a process may take to deliver through Redis again once it is back.
RECOVERY = 10.0
ADMIN_TOKEN = "an-operator-token-for-outage-tests"
NICKNAMES_UNCHECKABLE = "Nicknames cannot be checked right now; try again in a moment."


@pytest.fixture
def cluster(tmp_path, request):
    """Redis, and gunicorn processes `one` and `two` sharing it and one database (with the
    settings a test gives as its parameter)."""
    with RedisServer(tmp_path) as queue:
        env = {"FLASK_MESSAGE_QUEUE": queue.url, "FLASK_ADMIN_TOKEN": ADMIN_TOKEN}
        env.update(getattr(request, "param", {}))
        one, two = (GunicornServer(tmp_path, env=env, name=name) for name in ("one", "two"))
        starting = [threading.Thread(target=server.start) for server in (one, two)]
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join(30)
        try:
            yield SimpleNamespace(queue=queue, one=one, two=two)
        finally:
            one.kill()
            two.kill()


@pytest.fixture
def users(cluster):
    """Connect Users; every one is closed at the end."""
    opened = []

    def user(server, nick, key=None):
        opened.append(User(server, nick, key).connect())
        return opened[-1]

    yield user
    for opened_user in opened:
        opened_user.close()


@contextlib.contextmanager
def frozen(queue):
    """Redis stopped in its tracks (SIGSTOP) inside the block, and always resumed after it."""
    os.killpg(queue.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(queue.process.pid, signal.SIGCONT)


@contextlib.contextmanager
def stopped(queue):
    """Redis killed inside the block, and always started again, empty, after it."""
    queue.kill()
    try:
        yield
    finally:
        queue.start()


@contextlib.contextmanager
def stopped_keeping_its_data(queue):
    """Redis killed inside the block after saving a snapshot, which it loads when started
    again after it (as a Redis with persistence on comes back)."""
    redis.Redis.from_url(queue.url, socket_timeout=5).save()
    with stopped(queue):
        yield


def wait_until_both_processes_listen(queue, timeout=RECOVERY):
    """Wait until both processes have subscribed to the Socket.IO channel again."""
    client = redis.Redis.from_url(queue.url, socket_timeout=1)
    deadline = time.monotonic() + timeout
    while client.pubsub_numsub("flask-socketio")[0][1] < 2:
        assert time.monotonic() < deadline, "the processes did not subscribe again in time"
        time.sleep(0.1)


class User:
    """A python-socketio client of one process, connecting as a programmatic client does
    (`auth` with nick and key), that never reconnects by itself and records every event."""

    def __init__(self, server, nick, key=None, namespace="/", auth=None):
        self.url = server.url
        self.nick = nick
        self.namespace = namespace
        self.auth = auth or {"nick": nick, "key": key or f"key-of-{nick}"}
        # Events in the order they came off the connection, which the handlers may not keep.
        self.read = ReadOrder(namespace)
        self.events = self.read.events
        self.client = socketio.Client(reconnection=False, engineio_logger=self.read.logger())
        self.client.on("connect_error", self._refused, namespace=namespace)

    def connect(self, timeout=10.0):
        """Connect over WebSocket; raise socketio's ConnectionError if refused or unanswered."""
        self.client.connect(
            self.url,
            auth=self.auth,
            namespaces=[self.namespace],
            transports=["websocket"],
            wait_timeout=timeout,
        )
        return self

    def call(self, event, payload, timeout=PROMPT):
        """Send an event and return its ack; fail if none comes within timeout seconds."""
        return self.client.call(event, payload, namespace=self.namespace, timeout=timeout)

    def join(self, room):
        """Join a room, which must succeed."""
        ack = self.call("join", {"room": room})
        assert ack["ok"], ack
        return ack

    def received(self, event):
        """The payloads of every `event` received so far."""
        return self.read.received(event)

    def texts(self, room):
        """The texts of the chat messages received live in a room, in order of arrival."""
        return [m["text"] for m in self.received("chat message") if m["room"] == room]

    def wait_until(self, condition, what, timeout=PROMPT):
        """Poll condition() until true; fail after timeout seconds, naming the last events read."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, (
                f"{self.nick}: {what} not within {timeout} s; last read {self.events[-5:]}"
            )
            time.sleep(0.05)

    def close(self):
        """Disconnect for good."""
        self.client.disconnect()

    def _refused(self, data=None):
        self.events.append(("connect_error", data))


def refusal_within_seconds(server, nick, key=None):
    """Connect a new socket; return (seconds until the server answered, its refusal or None)."""
    newcomer = User(server, nick, key)
    started = time.monotonic()
    try:
        newcomer.connect()
    except socketio.exceptions.ConnectionError:
        [refusal] = newcomer.received("connect_error") or [None]
        return time.monotonic() - started, refusal
    newcomer.close()
    return time.monotonic() - started, None


# Redis frozen


def test_a_message_is_acked_and_reaches_room_mates_on_the_same_process_while_redis_is_frozen(
    cluster, users
):
    alice, carol = users(cluster.one, "alice"), users(cluster.one, "carol")
    for user in (alice, carol):
        user.join("lobby")

    with frozen(cluster.queue):
        ack = alice.call("chat message", {"room": "lobby", "text": "still here?"})
        assert ack["ok"] and not ack["duplicate"]
        carol.wait_until(lambda: carol.texts("lobby") == ["still here?"], "alice's message")


def test_a_new_nickname_is_refused_clearly_within_seconds_while_redis_is_frozen(cluster, users):
    users(cluster.one, "alice")

    with frozen(cluster.queue):
        for _ in range(3):
            answered, refusal = refusal_within_seconds(cluster.one, "dave")
            assert answered < PROMPT
            assert refusal == {"message": NICKNAMES_UNCHECKABLE}

    # Redis did receive a claim before it froze; once it runs it, nothing may keep "dave".
    deadline = time.monotonic() + RECOVERY
    while refusal_within_seconds(cluster.two, "dave", key="someone-else")[1] is not None:
        assert time.monotonic() < deadline, "'dave' stayed held after the refusal"
        time.sleep(0.2)


def test_another_socket_of_a_connected_user_is_admitted_and_works_while_redis_is_frozen(
    cluster, users
):
    alice, carol = users(cluster.one, "alice"), users(cluster.one, "carol")
    carol.join("lobby")

    with frozen(cluster.queue):
        started = time.monotonic()
        second_tab = users(cluster.one, "alice")
        assert time.monotonic() - started < PROMPT
        second_tab.join("lobby")
        assert second_tab.call("chat message", {"room": "lobby", "text": "from tab two"})["ok"]
        carol.wait_until(lambda: carol.texts("lobby") == ["from tab two"], "the second tab's")
    assert alice.client.connected


def test_join_answers_within_seconds_and_acks_what_happened_while_redis_is_frozen(cluster, users):
    alice, carol = users(cluster.one, "alice"), users(cluster.one, "carol")

    with frozen(cluster.queue):
        ack = alice.call("join", {"room": "kitchen"})
        assert ack["ok"], ack
        assert ack["members"] == ["alice"]
        carol.join("kitchen")
        assert alice.call("chat message", {"room": "kitchen", "text": "joined for real"})["ok"]
        carol.wait_until(lambda: carol.texts("kitchen") == ["joined for real"], "the message")


def test_the_form_page_answers_and_accepts_a_nickname_while_redis_is_frozen(cluster, users):
    users(cluster.one, "alice")
    browser = requests.Session()

    with frozen(cluster.queue):
        page = browser.get(cluster.one.url + "/", timeout=PROMPT)
        assert page.status_code == 200
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
        form = {"csrf_token": token, "nickname": "erin", "room": "lobby"}
        submitted = browser.post(
            cluster.one.url + "/", data=form, allow_redirects=False, timeout=PROMPT
        )
        assert submitted.status_code == 302 and submitted.headers["Location"] == "/chat"
        taken = browser.post(
            cluster.one.url + "/", data={**form, "nickname": "Alice"}, timeout=PROMPT
        )
        assert "That nickname is in use" in taken.text


def test_a_kick_is_carried_out_within_seconds_while_redis_is_frozen(cluster, users):
    alice = users(cluster.one, "alice")
    operator = User(cluster.one, "operator", namespace="/admin", auth={"token": ADMIN_TOKEN})
    operator.connect()

    with frozen(cluster.queue):
        ack = operator.call("kick", {"nick": "alice", "reason": "Spam"})
        assert ack["ok"], ack
        alice.wait_until(lambda: alice.received("kicked") == [{"reason": "Spam"}], "the kick")
        alice.wait_until(lambda: not alice.client.connected, "the disconnect")
    operator.close()


def test_messages_sent_while_redis_was_frozen_reach_the_other_process_once_and_in_order(
    cluster, users
):
    alice, bob = users(cluster.one, "alice"), users(cluster.two, "bob")
    for user in (alice, bob):
        user.join("lobby")
    alice.call("chat message", {"room": "lobby", "text": "before"})
    bob.wait_until(lambda: bob.texts("lobby") == ["before"], "the first message")

    with frozen(cluster.queue):
        for number in range(3):
            assert alice.call("chat message", {"room": "lobby", "text": f"during {number}"})["ok"]
        time.sleep(2)  # long enough for publishes to time out and be tried again

    alice.call("chat message", {"room": "lobby", "text": "after"}, timeout=RECOVERY)
    expected = ["before", "during 0", "during 1", "during 2", "after"]
    bob.wait_until(lambda: "after" in bob.texts("lobby"), "the last message", RECOVERY)
    assert bob.texts("lobby") == expected
    assert bob.call("chat message", {"room": "lobby", "text": "welcome back"})["ok"]
    alice.wait_until(lambda: "welcome back" in alice.texts("lobby"), "bob's answer", RECOVERY)


@pytest.mark.parametrize("cluster", [{"FLASK_ADMIN_REFRESH_INTERVAL": "0.2"}], indirect=True)
def test_the_operators_figures_are_this_process_s_own_and_say_so_while_redis_is_frozen(
    cluster, users
):
    alice, bob = users(cluster.one, "alice"), users(cluster.two, "bob")
    operator = User(cluster.one, "operator", namespace="/admin", auth={"token": ADMIN_TOKEN})
    operator.connect()

    def latest():
        return operator.received("stats")[-1]

    operator.wait_until(lambda: latest()["users"] == ["alice", "bob"], "both processes' users")
    with frozen(cluster.queue):
        operator.wait_until(lambda: latest()["redis_unreachable"], "the fallback", PROMPT)
        assert latest()["scope"] == "process"
        assert latest()["users"] == ["alice"], "this process's users only"
    operator.wait_until(lambda: latest()["scope"] == "cluster", "the cluster's figures", RECOVERY)
    assert latest()["users"] == ["alice", "bob"] and not latest()["redis_unreachable"]
    assert alice.client.connected and bob.client.connected
    operator.close()


@pytest.mark.parametrize("cluster", [{"FLASK_PRESENCE_TTL": "2"}], indirect=True)
def test_after_a_freeze_longer_than_the_presence_ttl_nobody_is_announced_gone(cluster, users):
    alice, bob = users(cluster.one, "alice"), users(cluster.two, "bob")
    for user in (alice, bob):
        user.join("lobby")

    with frozen(cluster.queue):
        time.sleep(4)  # twice the TTL: every process's key expires meanwhile

    assert alice.call("chat message", {"room": "lobby", "text": "after"}, timeout=RECOVERY)["ok"]
    bob.wait_until(lambda: bob.texts("lobby") == ["after"], "alice's message", RECOVERY)
    time.sleep(3)  # a few heartbeats, in which a process taken for dead would be reaped
    assert bob.call("join", {"room": "lobby"})["members"] == ["alice", "bob"]
    for user in (alice, bob):
        assert user.received("user left") == []
        assert all(not presence["offline"] for presence in user.received("presence"))


# Redis stopped


def test_a_connect_refused_while_redis_is_down_leaves_no_trace(cluster, users):
    users(cluster.one, "alice")
    carol, bob = users(cluster.one, "carol"), users(cluster.two, "bob")
    carol.join("lobby")

    with stopped(cluster.queue):
        answered, refusal = refusal_within_seconds(cluster.one, "dave")
        assert answered < PROMPT
        assert refusal == {"message": NICKNAMES_UNCHECKABLE}
        second_tab = users(cluster.one, "alice")
        second_tab.join("lobby")
        assert second_tab.call("chat message", {"room": "lobby", "text": "tab two"})["ok"]
        carol.wait_until(lambda: carol.texts("lobby") == ["tab two"], "the second tab's")

    wait_until_both_processes_listen(cluster.queue)
    bob.wait_until(
        lambda: bob.call("join", {"room": "lobby"})["members"] == ["alice", "bob", "carol"],
        "the lobby as process one has it, on process two",
        RECOVERY,
    )
    # Someone else can take "dave" now, anywhere: the refused socket held nothing.
    dave = users(cluster.two, "dave", key="someone-else")
    assert dave.join("lobby")["members"] == ["alice", "bob", "carol", "dave"]
    assert second_tab.call("chat message", {"room": "lobby", "text": "hi dave"})["ok"]
    # The broadcast of "tab two", held while Redis was down, reaches process two when process
    # one's publisher next tries Redis: when that is after dave joined, it comes to him first.
    dave.wait_until(
        lambda: dave.texts("lobby") in (["hi dave"], ["tab two", "hi dave"]),
        "alice's message",
        RECOVERY,
    )


def test_join_while_redis_is_down_acks_what_happened_and_is_shared_once_it_is_back(cluster, users):
    alice, carol = users(cluster.one, "alice"), users(cluster.one, "carol")
    bob = users(cluster.two, "bob")

    with stopped(cluster.queue):
        ack = alice.call("join", {"room": "kitchen"})
        assert ack["ok"], ack
        assert ack["members"] == ["alice"]
        carol.join("kitchen")
        assert alice.call("chat message", {"room": "kitchen", "text": "in the kitchen"})["ok"]
        carol.wait_until(lambda: carol.texts("kitchen") == ["in the kitchen"], "the message")
        carol.call("leave", {"room": "kitchen"})

    wait_until_both_processes_listen(cluster.queue)
    bob.wait_until(
        lambda: bob.call("join", {"room": "kitchen"})["members"] == ["alice", "bob"],
        "alice listed in the kitchen on process two",
        RECOVERY,
    )
    _, refusal = refusal_within_seconds(cluster.two, "Alice", key="an-impostor")
    assert refusal == {"message": RESERVED.format("Alice")}
    assert bob.call("chat message", {"room": "kitchen", "text": "hello alice"})["ok"]
    alice.wait_until(lambda: "hello alice" in alice.texts("kitchen"), "bob's message", RECOVERY)
    assert alice.call("chat message", {"room": "kitchen", "text": "hello bob"})["ok"]
    bob.wait_until(lambda: "hello bob" in bob.texts("kitchen"), "alice's message", RECOVERY)


def test_a_user_who_leaves_while_redis_is_down_is_gone_everywhere_once_it_is_back(cluster, users):
    carol, bob = users(cluster.one, "carol"), users(cluster.two, "bob")
    for user in (carol, bob):
        user.join("lobby")

    with stopped_keeping_its_data(cluster.queue):
        carol.close()

    wait_until_both_processes_listen(cluster.queue)
    bob.wait_until(
        lambda: bob.call("join", {"room": "lobby"})["members"] == ["bob"],
        "carol gone from the lobby on process two",
        RECOVERY,
    )
    # The nickname stays reserved to carol's key (test_nicknames.py), which comes back on
    # the other process and is listed once.
    assert users(cluster.two, "carol").join("lobby")["members"] == ["bob", "carol"]
