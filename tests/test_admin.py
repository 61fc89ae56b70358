"""The operators' namespace `/admin`: who may connect, what chat users see of it (nothing but
the effects of moderation), the live figures, and moderation across processes over Redis."""

import json
import logging
import subprocess
import threading
import time

import pytest
import redis
import socketio as socketio_client
import websocket
from inbox import received
from servers import GunicornServer, free_port
from test_server import ChatClient

from chat.core.stats import RATE_WINDOW
from chat.core.throttle import GuessThrottle

ADMIN = "/admin"
TOKEN = "operators-only-0123456789"
LOOPBACK = "127.0.0.1"
CHAT_EVENTS = {
    "rooms",
    "presence",
    "user joined",
    "user left",
    "chat message",
    "typing",
    "announcement",
    "message removed",
    "kicked",
}


@pytest.fixture(autouse=True)
def admin_settings(monkeypatch):
    """Configure the admin token through the environment, as a deployment does."""
    monkeypatch.setenv("FLASK_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("FLASK_ADMIN_REFRESH_INTERVAL", "0.05")
    monkeypatch.setenv("FLASK_ADMIN_SAMPLE_INTERVAL", "0.05")


@pytest.fixture
def operator(connect, client):
    """Connect to `/admin` with a token, the right one unless told otherwise, from 127.0.0.1."""
    opened = []

    def operator(token=TOKEN):
        socket = connect("unused", namespace=ADMIN, auth={"token": token}, flask_test_client=client)
        opened.append(socket)
        return socket

    yield operator
    for socket in opened:
        if socket.is_connected(ADMIN):
            socket.disconnect(namespace=ADMIN)


def admin_received(socket, event):
    """The payloads of every `event` an operator's socket has received since last asked."""
    return received(socket, event, ADMIN)


def next_stats(socket, until, timeout=3.0, event="stats"):
    """The first snapshot (or other `event`) pushed to an operator for which until(it) holds."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        seen += admin_received(socket, event)
        for snapshot in seen:
            if until(snapshot):
                return snapshot
        time.sleep(0.02)
    raise AssertionError(f"no {event} matched within {timeout} s; last: {seen[-1:]}")


def everything_received(socket):
    """(event, payload) of all a chat socket got, readable even after the server closed it."""
    return [(packet["name"], packet["args"][0]) for packet in socket.queue]


def act(socket, event, payload):
    """Send a moderation event from an operator's socket and return the ack."""
    return socket.emit(event, payload, namespace=ADMIN, callback=True)


def send(socket, room, text):
    """Send a chat message and return its ack."""
    return socket.emit("chat message", {"room": room, "text": text}, callback=True)


# Who may connect


def test_connecting_without_credentials_is_refused(connect):
    assert not connect("unused", namespace=ADMIN, auth=None).is_connected(ADMIN)


@pytest.mark.parametrize(
    "token", [None, "", "wrong", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), 42, ["x"], "\ud800"]
)
def test_a_wrong_or_malformed_token_is_refused(operator, token):
    assert not operator(token).is_connected(ADMIN)


def test_a_refusal_is_audited_in_the_server_log(operator, caplog):
    with caplog.at_level(logging.INFO, logger="chat.audit"):
        operator("wrong")
    assert "admin connect refused from" in caplog.text
    assert "Invalid admin token." in caplog.text


@pytest.fixture
def guess_clock(app):
    """Time the app's guess throttle by a clock the test moves (a list of one number)."""
    clock = [1000.0]
    app.extensions["admin"].guesses = GuessThrottle(clock=lambda: clock[0])
    return clock


def test_after_three_wrong_tokens_even_the_right_one_waits(operator, guess_clock):
    for _ in range(3):
        assert not operator("wrong").is_connected(ADMIN)
    assert not operator().is_connected(ADMIN), "weighed only after a delay"
    guess_clock[0] += 1.0
    assert operator().is_connected(ADMIN)


def test_each_further_wrong_token_doubles_the_wait(app, operator, guess_clock):
    guesses = app.extensions["admin"].guesses
    waits = []
    for _ in range(6):
        guess_clock[0] += guesses.wait(LOOPBACK)
        operator("wrong")
        waits.append(guesses.wait(LOOPBACK))
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0]


def test_guesses_made_while_waiting_are_not_even_weighed(app, operator, guess_clock):
    for _ in range(3):
        operator("wrong")
    for _ in range(50):
        operator("wrong")
    assert app.extensions["admin"].guesses.wait(LOOPBACK) == 1.0


def test_the_right_token_is_admitted_and_sees_this_process_at_once(operator, joined):
    joined("alice", "lobby")
    joined("bob", "lobby", "kitchen")
    stats = admin_received(operator(), "stats")[0]
    assert stats["users"] == ["alice", "bob"] and stats["user_count"] == 2
    assert stats["rooms"] == [
        {"name": "kitchen", "member_count": 1, "members": ["bob"]},
        {"name": "lobby", "member_count": 2, "members": ["alice", "bob"]},
    ]
    assert stats["async_mode"] == "threading"
    assert stats["uptime"] >= 0 and stats["process"]


@pytest.mark.parametrize("configured", ["", "too-short"])
@pytest.mark.usefixtures("database")  # the app, made below once the token is set, needs it
def test_without_a_usable_token_configured_the_namespace_and_page_are_off(
    monkeypatch, request, configured
):
    monkeypatch.setenv("FLASK_ADMIN_TOKEN", configured)
    connect = request.getfixturevalue("connect")
    assert not connect("unused", namespace=ADMIN, auth={"token": configured}).is_connected(ADMIN)
    assert request.getfixturevalue("client").get("/admin").status_code == 404


def test_one_connection_carries_both_namespaces_each_authorised_on_its_own(joined):
    alice = joined("alice", "lobby")
    alice.connect(namespace=ADMIN, auth={"token": "wrong"})
    assert alice.is_connected() and not alice.is_connected(ADMIN)
    alice.connect(namespace=ADMIN, auth={"token": TOKEN})
    assert alice.is_connected() and alice.is_connected(ADMIN)
    alice.disconnect(namespace=ADMIN)


# What chat users see


def test_chat_clients_never_receive_admin_events(operator, joined):
    alice = joined("alice", "lobby")
    bob = joined("bob", "lobby")
    sent = send(alice, "lobby", "oops")
    first = operator()
    second = operator()
    assert act(first, "announce", {"text": "Restart at noon"})["ok"]
    assert act(first, "remove", {"id": sent["id"]})["ok"]
    assert act(first, "history", {"room": "lobby"})["ok"]
    assert act(first, "kick", {"nick": "bob"})["ok"]
    assert len(admin_received(second, "audit")) == 4
    next_stats(second, lambda stats: stats["users"] == ["alice"])

    events = {name for name, _ in everything_received(alice) + everything_received(bob)}
    assert "announcement" in events and "message removed" in events
    assert events <= CHAT_EVENTS


def test_the_page_is_linked_from_nowhere_public(client):
    assert b"/admin" not in client.get("/").data


def test_the_page_asks_for_the_token_and_runs_no_inline_script(client):
    response = client.get("/admin")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'type="password"' in page and TOKEN not in page
    assert page.count("<script") == page.count('<script type="module" src=')
    assert response.headers["Cache-Control"] == "no-store"


# Moderation


def test_an_announcement_to_everyone_reaches_every_room(operator, joined):
    alice = joined("alice", "lobby")
    bob = joined("bob", "kitchen")
    assert act(operator(), "announce", {"text": "Restart at noon", "room": ""}) == {"ok": True}
    for user in (alice, bob):
        [announcement] = received(user, "announcement")
        assert announcement["text"] == "Restart at noon" and "room" not in announcement
        assert announcement["ts"] > 0


def test_an_announcement_to_a_room_reaches_only_that_room(operator, joined):
    alice = joined("alice", "lobby")
    bob = joined("bob", "kitchen")
    assert act(operator(), "announce", {"text": "Cake in here", "room": "Lobby"})["ok"]
    [announcement] = received(alice, "announcement")
    assert announcement["text"] == "Cake in here" and announcement["room"] == "lobby"
    assert received(bob, "announcement") == []


@pytest.mark.parametrize("payload", [{}, {"text": "  "}, {"text": "x" * 2001}, "text"])
def test_an_empty_or_oversized_announcement_is_refused(operator, joined, payload):
    alice = joined("alice", "lobby")
    assert act(operator(), "announce", payload)["ok"] is False
    assert received(alice, "announcement") == []


def test_a_removed_message_disappears_for_everyone_and_from_history(operator, joined, connect):
    alice = joined("alice", "lobby")
    bob = joined("bob", "lobby")
    oops = send(alice, "lobby", "oops")
    keep = send(alice, "lobby", "keep")
    bob.get_received()

    ack = act(operator(), "remove", {"id": oops["id"]})

    assert ack == {"ok": True, "id": oops["id"], "room": "lobby"}
    for user in (alice, bob):
        assert received(user, "message removed") == [{"id": oops["id"], "room": "lobby"}]
    history = connect("carol").emit("join", {"room": "lobby"}, callback=True)["history"]
    assert [message["id"] for message in history] == [keep["id"]]


def test_removing_a_message_that_does_not_exist_says_so(operator):
    assert act(operator(), "remove", {"id": 999}) == {
        "ok": False,
        "error": "There is no message 999.",
    }


def test_an_operator_reads_any_rooms_recent_messages_without_joining(operator, joined):
    alice = joined("alice", "lobby")
    sent = send(alice, "lobby", "hello")
    ack = act(operator(), "history", {"room": "lobby"})
    assert [(message["id"], message["text"]) for message in ack["messages"]] == [
        (sent["id"], "hello")
    ]


def test_a_kicked_user_is_told_why_and_disconnected_on_every_tab(operator, connect, app):
    tabs = [connect("alice", auth={"nick": "alice", "key": "k1"}) for _ in range(2)]
    bob = connect("bob")
    for socket in (*tabs, bob):
        assert socket.emit("join", {"room": "lobby"}, callback=True)["ok"]
    bob.get_received()

    assert act(operator(), "kick", {"nick": "Alice", "reason": "Spamming"}) == {"ok": True}

    for tab in tabs:
        assert not tab.is_connected()
        assert ("kicked", {"reason": "Spamming"}) in everything_received(tab)
    assert bob.is_connected()
    assert received(bob, "user left") == [{"room": "lobby", "nick": "alice"}]
    # Nobody is connected under the nickname any more (it stays reserved to its key).
    assert app.extensions["chat"].presence.holder("alice") is None


def test_kicking_a_nickname_nobody_is_connected_as_says_so(operator, connect):
    alice = connect("alice")
    ack = act(operator(), "kick", {"nick": "nobody", "reason": "Spamming"})
    assert ack == {"ok": False, "error": "Nobody is connected as nobody."}
    assert alice.is_connected()


def test_a_kick_without_a_reason_gives_a_default_one(operator, connect):
    alice = connect("alice")
    act(operator(), "kick", {"nick": "alice", "reason": " "})
    assert ("kicked", {"reason": "Removed by a moderator."}) in everything_received(alice)


@pytest.mark.parametrize(
    "payload", [{}, {"nick": "bad nick"}, {"nick": "alice", "reason": "x" * 201}]
)
def test_a_malformed_kick_is_refused_and_kicks_nobody(operator, connect, payload):
    alice = connect("alice")
    assert act(operator(), "kick", payload)["ok"] is False
    assert alice.is_connected()


def test_every_action_is_audited_in_the_log_and_shown_to_every_operator(operator, joined, caplog):
    alice = joined("alice", "lobby")
    sent = send(alice, "lobby", "oops")
    acting, watching = operator(), operator()
    watching.get_received(ADMIN)
    with caplog.at_level(logging.INFO, logger="chat.audit"):
        act(acting, "announce", {"text": "Hello", "room": "lobby"})
        act(acting, "remove", {"id": sent["id"]})
        act(acting, "kick", {"nick": "alice", "reason": "Bye"})

    expected = [
        "announcement to lobby: 'Hello'",
        f"message {sent['id']} by alice removed from lobby",
        "kick of alice: 'Bye'",
    ]
    assert [entry["text"] for entry in admin_received(watching, "audit")] == expected
    for line in expected:
        assert line in caplog.text


# Live figures


def test_the_figures_follow_users_joining_and_leaving(operator, joined):
    watching = operator()
    alice = joined("alice", "lobby")
    stats = next_stats(watching, lambda stats: stats["user_count"] == 1)
    assert stats["rooms"] == [{"name": "lobby", "member_count": 1, "members": ["alice"]}]
    alice.disconnect()
    next_stats(watching, lambda stats: stats["user_count"] == 0 and stats["rooms"] == [])


def test_messages_per_second_counts_stored_messages_but_not_resends(operator, joined):
    alice = joined("alice", "lobby")
    for number in range(RATE_WINDOW):
        payload = {"room": "lobby", "text": f"m{number}", "client_id": f"c{number}"}
        assert alice.emit("chat message", payload, callback=True)["ok"]
    resend = {"room": "lobby", "text": "m0", "client_id": "c0"}
    assert alice.emit("chat message", resend, callback=True)["duplicate"]

    stats = next_stats(operator(), lambda stats: stats["messages_per_second"] == 1.0)
    assert stats["messages"] == RATE_WINDOW


def test_an_operator_gets_the_samples_kept_on_connect_and_then_each_new_one(operator, joined):
    first = operator()
    kept = admin_received(first, "samples")
    assert len(kept) == 1 and kept[0]["interval"] == 0.05
    alice = joined("alice", "lobby")
    for number in range(3):
        send(alice, "lobby", f"m{number}")
    busy = next_stats(first, lambda sample: sample["messages_per_second"] > 0, event="sample")
    quiet = next_stats(
        first,
        lambda sample: sample["ts"] > busy["ts"] and sample["messages_per_second"] == 0,
        event="sample",
    )
    assert busy["users"] == quiet["users"] == 1

    later = operator()
    [kept] = admin_received(later, "samples")
    assert busy in kept["samples"] and quiet in kept["samples"]


# Across processes over Redis


class Recorder:
    """A real WebSocket client on one namespace that keeps every event it receives."""

    def __init__(self, url, namespace, auth):
        self.namespace = namespace
        self.events = []
        self.socket = socketio_client.Client(reconnection=False)
        self.socket.on("*", self._record, namespace=namespace)
        self.socket.connect(
            url, auth=auth, namespaces=[namespace], transports=["websocket"], wait_timeout=10
        )

    def _record(self, event, *arguments):
        self.events.append((event, arguments[0] if arguments else None))

    def call(self, event, payload):
        """Send an event and return its ack."""
        return self.socket.call(event, payload, namespace=self.namespace, timeout=10)

    def wait_for(self, event, until=lambda payload: True, timeout=5.0):
        """The first payload of `event` for which until(payload) holds, waiting at most timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, payload in list(self.events):
                if name == event and until(payload):
                    return payload
            time.sleep(0.05)
        raise AssertionError(f"no {event!r} within {timeout} s; got {self.events}")

    def wait_disconnected(self, timeout=5.0):
        """Whether the server closed this client within timeout seconds."""
        deadline = time.monotonic() + timeout
        while self.socket.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.socket.connected


@pytest.fixture
def redis_url(tmp_path):
    """A private redis-server on a free port, stopped by PID afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait(5)


@pytest.fixture
def two_processes(tmp_path, redis_url):
    """gunicorn processes `a` and `b` sharing the Redis queue, both serving `/admin`."""
    env = {"FLASK_MESSAGE_QUEUE": redis_url, "FLASK_ADMIN_TOKEN": TOKEN}
    servers = [GunicornServer(tmp_path, env=env, name=name) for name in ("a", "b")]
    threads = [threading.Thread(target=server.start) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    yield servers
    for server in servers:
        server.kill()


@pytest.mark.timeout(90)
def test_moderation_reaches_users_of_another_process(two_processes):
    first, second = two_processes
    bob = Recorder(first.url, "/", {"nick": "bob"})
    alice = Recorder(second.url, "/", {"nick": "alice"})
    for user in (alice, bob):
        assert user.call("join", {"room": "lobby"})["ok"]
    sent = alice.call("chat message", {"room": "lobby", "text": "buy cheap watches"})
    bob.wait_for("chat message")
    watching = Recorder(first.url, ADMIN, {"token": TOKEN})

    assert watching.call("announce", {"text": "Be nice"})["ok"]
    assert alice.wait_for("announcement")["text"] == "Be nice"

    assert watching.call("remove", {"id": sent["id"]})["ok"]
    assert alice.wait_for("message removed") == {"id": sent["id"], "room": "lobby"}

    assert watching.call("kick", {"nick": "alice", "reason": "Spam"})["ok"]
    assert alice.wait_for("kicked") == {"reason": "Spam"}
    assert alice.wait_disconnected()
    bob.wait_for("user left", lambda payload: payload["nick"] == "alice")
    assert "kick carried out: 1 socket(s) of 'alice'" in second.log()
    for client in (bob, watching):
        client.socket.disconnect()


@pytest.mark.timeout(90)
def test_the_figures_cover_the_users_rooms_and_messages_of_every_process(two_processes):
    first, second = two_processes
    bob = Recorder(first.url, "/", {"nick": "bob"})
    alice, carol = (Recorder(second.url, "/", {"nick": nick}) for nick in ("alice", "carol"))
    for user, room in ((alice, "lobby"), (bob, "lobby"), (carol, "kitchen")):
        assert user.call("join", {"room": room})["ok"]
    for number in range(RATE_WINDOW):
        for user in (alice, bob):
            assert user.call("chat message", {"room": "lobby", "text": f"m{number}"})["ok"]
    watching = Recorder(first.url, ADMIN, {"token": TOKEN})

    # Ten messages, half of them stored by each process, over the five seconds averaged.
    snapshot = watching.wait_for("stats", lambda s: s["messages_per_second"] == 2.0, 10)
    assert (snapshot["scope"], snapshot["processes"]) == ("cluster", 2)
    assert snapshot["users"] == ["alice", "bob", "carol"] and snapshot["user_count"] == 3
    assert snapshot["room_count"] == 2
    assert snapshot["rooms"] == [
        {"name": "kitchen", "member_count": 1, "members": ["carol"]},
        {"name": "lobby", "member_count": 2, "members": ["alice", "bob"]},
    ]
    assert snapshot["process"].endswith(f":{first.worker_pid()}")
    assert snapshot["messages"] == RATE_WINDOW, "messages since start are this process's"
    assert snapshot["redis_unreachable"] is False
    for client in (alice, bob, carol, watching):
        client.socket.disconnect()


@pytest.mark.timeout(90)
def test_the_chart_samples_count_the_users_and_messages_of_every_process(two_processes):
    first, second = two_processes
    bob = Recorder(first.url, "/", {"nick": "bob"})
    alice = Recorder(second.url, "/", {"nick": "alice"})
    assert alice.call("join", {"room": "lobby"})["ok"]
    watching = Recorder(first.url, ADMIN, {"token": TOKEN})
    for number in range(3):
        assert alice.call("chat message", {"room": "lobby", "text": f"m{number}"})["ok"]

    # Only the other process stored them: its counts reach this process's samples.
    sample = watching.wait_for("sample", lambda sample: sample["messages_per_second"] > 0, 10)
    assert sample["users"] == 2
    for client in (alice, bob, watching):
        client.socket.disconnect()


def admin_connect(connection, token):
    """Ask for `/admin` on a raw Engine.IO WebSocket; the answer, or None once it is closed."""
    try:
        connection.send("40/admin," + json.dumps({"token": token}))
        while True:
            frame = connection.recv()
            if frame.startswith(("40/admin,", "44/admin,")):
                return frame
    except (OSError, websocket.WebSocketException):
        return None


@pytest.mark.timeout(60)
def test_guessing_the_token_over_the_wire_is_slowed_closed_and_logged_in_summary(tmp_path):
    with GunicornServer(tmp_path, env={"FLASK_ADMIN_TOKEN": TOKEN}) as server:
        url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        answers = []
        for _ in range(20):
            connection = websocket.create_connection(url, timeout=5)
            assert connection.recv().startswith("0")
            for attempt in range(10):
                answer = admin_connect(connection, f"guess {attempt}")
                if answer is None:
                    break
                answers.append(answer)
            connection.close()
        chatting = ChatClient(server.url, "still-chatting")
        assert chatting.call("join", {"room": "lobby"})["ok"]
        chatting.close()
        time.sleep(1.1)
        operator = websocket.create_connection(url, timeout=5)
        operator.recv()
        admitted = admin_connect(operator, TOKEN)
        operator.close()
        log = server.log()
    assert len(answers) == 20 * 3, "each connection is closed after three refusals"
    assert all("Invalid admin token." in a or "Too many failed attempts" in a for a in answers)
    assert sum("Invalid admin token." in answer for answer in answers) == 3
    assert admitted.startswith("40/admin,")
    assert log.count("admin connect refused") == 1, "one summary line, not one per guess"
