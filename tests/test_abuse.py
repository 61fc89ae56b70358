"""Abuse and bad input: rate limits and the flood cut-off, hostile payloads and frames, origins.

The rate limits are checked through the test client on a clock the test moves; everything
below the handlers (frames, packets, origins, body sizes) against the real server, since
that is where those limits live.
"""

import json
import os
import signal
import socket
import struct
import threading
import time

import pytest
import requests
import socketio
import websocket
from inbox import received
from read_order import ReadOrder
from servers import GunicornServer
from test_server import ChatClient

from chat import create_app
from chat.config import Config
from chat.core.ratelimit import STALL_CREDIT_WINDOW, Quotas, RateLimiter
from chat.core.stalls import StallWatch
from chat.core.store import Draft

# Over the default limits: 10 messages at once, then 5 per second.
BURST = Config.RATE_BURST
REFUSALS_BEFORE_CUT_OFF = Config.FLOOD_REFUSALS


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(app):
    """Turn the default rate limits on for this app, timed by a clock the test moves; the
    process's heartbeat is the clock's too (`clock.stalls`), ticked by the test."""
    clock = Clock()
    clock.stalls = StallWatch(clock=clock)
    defaults = {name: getattr(Config, name) for name in dir(Config) if name.isupper()}
    app.extensions["chat"].limiter = RateLimiter.from_config(defaults, clock, clock.stalls)
    app.extensions["chat"].room_creation = Quotas.for_room_creation(defaults, clock)
    return clock


def paced(clock, seconds, per_second, act):
    """Act per_second times a second for seconds, the heartbeat ticking as it should."""
    results = []
    for _ in range(int(seconds * per_second)):
        for _ in range(int(10 / per_second)):
            clock.advance(0.1)
            clock.stalls.tick()
        results.append(act())
    return results


def send(socket, text, room="a", **extra):
    return socket.emit("chat message", {"room": room, "text": text, **extra}, callback=True)


def typing(socket, room="a"):
    return socket.emit("typing", {"room": room, "active": True}, callback=True)


# Rate limits


def test_a_burst_passes_and_the_next_message_is_refused_with_a_clear_error(clock, joined, app):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    assert all(send(alice, f"m{n}")["ok"] for n in range(BURST))
    refused = send(alice, "one too many")
    assert refused == {
        "ok": False,
        "error": "You are sending messages too fast; wait a moment and send again.",
        "retry_after": 0.2,
    }
    assert [m["text"] for m in received(bob, "chat message")] == [f"m{n}" for n in range(BURST)]
    assert len(app.extensions["chat"].store.recent("a", 50)) == BURST
    assert alice.is_connected()


def test_tokens_come_back_at_the_sustained_rate(clock, joined):
    alice = joined("alice", "a")
    for n in range(BURST):
        send(alice, f"m{n}")
    clock.advance(0.2)
    assert send(alice, "after 0.2 s")["ok"]
    assert not send(alice, "right after")["ok"]
    clock.advance(1.0)
    assert [send(alice, f"later {n}")["ok"] for n in range(6)] == [True] * 5 + [False]


def test_chatting_and_typing_at_the_pages_pace_is_never_refused(clock, joined):
    """Two minutes of a fast typist: a typing notice every 2 s (the page's pace), a message
    every 3 s, and eight lines pasted at once halfway through."""
    alice = joined("alice", "a")
    acks = []
    for second in range(120):
        if second % 2 == 0:
            acks.append(typing(alice))
        if second % 3 == 0:
            acks.append(send(alice, f"at {second} s"))
        if second == 60:
            acks += [send(alice, f"pasted line {n}") for n in range(8)]
        clock.advance(1.0)
    assert all(ack["ok"] for ack in acks)


def test_messages_sent_at_the_limit_through_a_server_stall_are_not_taken_for_a_burst(clock, joined):
    """4 messages a second (the limit is 5), while the server stops serving for 8 s: the 32
    sent meanwhile are read at once afterwards, and judged by when they were sent."""
    alice = joined("alice", "a")
    acks = paced(clock, 5, 4, lambda: send(alice, "before"))
    clock.advance(8.0)  # no heartbeat: the process was not running
    acks += [send(alice, f"queued {n}") for n in range(32)]
    acks += paced(clock, 5, 4, lambda: send(alice, "after"))
    assert [ack for ack in acks if not ack["ok"]] == []
    assert alice.is_connected()


def test_a_stall_earns_no_more_than_the_rate_would_have_given(clock, joined):
    alice = joined("alice", "a")
    paced(clock, 2, 1, lambda: None)
    clock.advance(4.0)
    acks = [send(alice, f"queued {n}") for n in range(BURST + 4 * Config.RATE_LIMIT + 5)]
    allowed = [ack["ok"] for ack in acks].count(True)
    # The heartbeat was due 0.1 s into those 4 s: the stall is the remaining 3.9 s.
    assert allowed == BURST + int(3.9 * Config.RATE_LIMIT)


def test_the_credit_of_a_stall_expires(clock, joined):
    alice = joined("alice", "a")
    clock.advance(4.0)
    clock.stalls.tick()
    paced(clock, STALL_CREDIT_WINDOW + 1, 1, lambda: None)
    acks = [send(alice, f"later {n}") for n in range(BURST + 1)]
    assert [ack["ok"] for ack in acks][-2:] == [True, False]


def test_typing_has_a_limit_of_its_own(clock, joined):
    alice = joined("alice", "a")
    acks = [typing(alice) for _ in range(Config.TYPING_RATE_BURST + 1)]
    assert [ack["ok"] for ack in acks][-2:] == [True, False]
    assert acks[-1]["error"] == "Typing notices are coming too fast."
    assert send(alice, "messages are still fine")["ok"]


def test_every_other_event_is_limited_too(clock, connect):
    alice = connect("alice")
    acks = [alice.emit("no such event", callback=True) for _ in range(Config.EVENT_RATE_BURST)]
    assert all(ack["error"] == "Unknown event 'no such event'." for ack in acks)
    refused = alice.emit("join", {"room": "a"}, callback=True)
    assert refused["error"] == "Too many requests; slow down."


def test_a_mild_excess_is_refused_without_disconnecting(clock, joined):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    acks = [send(alice, f"m{n}") for n in range(BURST + REFUSALS_BEFORE_CUT_OFF - 1)]
    assert sum(not ack["ok"] for ack in acks) == REFUSALS_BEFORE_CUT_OFF - 1
    assert alice.is_connected() and received(alice, "kicked") == []
    clock.advance(1.0)
    assert send(alice, "calmer now")["ok"]
    assert received(bob, "user left") == []


def test_repeated_flooding_disconnects_that_client_only(clock, joined, app):
    flooder = joined("flooder", "a")
    bob = joined("bob", "a")
    carol = joined("carol", "a")
    for n in range(BURST + REFUSALS_BEFORE_CUT_OFF + 1):
        send(flooder, f"flood {n}")
    assert not flooder.is_connected()
    assert received(bob, "user left") == [{"room": "a", "nick": "flooder"}]
    assert send(bob, "still here")["ok"]
    assert [m["text"] for m in received(carol, "chat message")][-1] == "still here"
    assert app.extensions["chat"].limiter.tracked() == 2, "the flooder's buckets are gone"


def join(socket, room):
    return socket.emit("join", {"room": room}, callback=True)


def test_a_user_creates_ten_rooms_then_is_told_to_wait(clock, connect):
    alice = connect("alice")
    assert all(join(alice, f"new {n}")["ok"] for n in range(Config.ROOMS_CREATED_PER_USER))
    refused = join(alice, "one more")
    assert refused == {
        "ok": False,
        "error": "You have created many rooms lately; join an existing one, or try again in 1 min.",
        "retry_after": 60.0,
    }
    clock.advance(60.0)
    assert join(alice, "one more")["ok"]


def test_joining_a_room_that_exists_never_counts_as_creating_one(clock, connect, joined, app):
    joined("bob", "occupied")
    app.extensions["chat"].store.save_batch([Draft("quiet", "carol", "carol", "hello", 1)])
    alice = connect("alice")
    for n in range(Config.ROOMS_CREATED_PER_USER):
        join(alice, f"new {n}")
        alice.emit("leave", {"room": f"new {n}"}, callback=True)
    assert join(alice, "occupied")["ok"]
    assert join(alice, "quiet")["ok"]
    assert not join(alice, "brand new")["ok"]


def test_one_address_creates_at_most_thirty_rooms_whoever_asks(clock, connect):
    users = [connect(f"user{n}") for n in range(4)]
    created = [
        join(user, f"{user_number} {n}")["ok"]
        for user_number, user in enumerate(users)
        for n in range(Config.ROOMS_CREATED_PER_USER)
    ]
    assert created.count(True) == Config.ROOMS_CREATED_PER_ADDRESS


def test_sending_connect_as_an_event_neither_resets_limits_nor_claims_anything(clock, joined):
    alice = joined("alice", "a")
    for n in range(BURST):
        send(alice, f"m{n}")
    ack = alice.emit("connect", {"nick": "alice"}, callback=True)
    assert ack == {"ok": False, "error": "Unknown event 'connect'."}
    assert not send(alice, "still limited")["ok"]


def test_sending_disconnect_as_an_event_changes_nothing(joined, connect):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    ack = alice.emit("disconnect", "client namespace disconnect", callback=True)
    assert ack == {"ok": False, "error": "Unknown event 'disconnect'."}
    assert received(bob, "user left") == []
    assert send(alice, "still in the room")["ok"]
    assert not connect("ALICE").is_connected(), "the nickname is still held"


def test_closed_connections_leave_no_rate_limit_state(clock, connect, app):
    for n in range(30):
        user = connect(f"user{n}")
        user.emit("join", {"room": "a"}, callback=True)
        user.disconnect()
    assert app.extensions["chat"].limiter.tracked() == 0


def test_limits_come_from_the_environment_and_zero_turns_them_off(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_RATE_LIMIT", "0")
    unlimited = create_app({"SECRET_KEY": "t", "DATABASE": str(tmp_path / "one.sqlite3")})
    monkeypatch.setenv("FLASK_RATE_LIMIT", "2.5")
    monkeypatch.setenv("FLASK_RATE_BURST", "3")
    limited = create_app({"SECRET_KEY": "t", "DATABASE": str(tmp_path / "two.sqlite3")})
    assert unlimited.extensions["chat"].limiter.limits == {}
    assert limited.extensions["chat"].limiter.limits["chat message"].rate == 2.5
    assert limited.extensions["chat"].limiter.limits["chat message"].burst == 3
    for app in (unlimited, limited):
        app.extensions["chat"].store.close()


# Input the handlers refuse, and input they keep as it is


def test_text_with_a_lone_surrogate_is_refused_clearly(joined, app):
    alice = joined("alice", "a")
    ack = send(alice, "broken \ud800 text")
    assert ack["ok"] is False and "not valid Unicode" in ack["error"]
    assert app.extensions["chat"].store.recent("a", 50) == []
    assert send(alice, "fine text")["ok"]


@pytest.mark.parametrize("event", ["join", "history"])
def test_an_id_beyond_64_bits_is_refused_clearly(joined, event):
    alice = joined("alice", "a")
    ack = alice.emit(event, {"room": "a", "after": 2**64}, callback=True)
    assert ack["ok"] is False and "between 0 and" in ack["error"]


def test_markup_is_stored_and_relayed_as_the_raw_text_it_is(joined, app):
    """The server neither strips nor escapes; the page shows it as text (test_browser_chat)."""
    markup = '<img src=x onerror="alert(1)"><script>alert(2)</script>&amp;'
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    send(alice, markup)
    assert received(bob, "chat message")[0]["text"] == markup
    assert app.extensions["chat"].store.recent("a", 1)[0]["text"] == markup


@pytest.mark.parametrize("path", ["/", "/chat", "/static/js/chat.js", "/no-such-page"])
def test_security_headers_are_on_every_response(client, path):
    client.post("/", data={"nickname": "alice", "room": "lobby"})
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


# The real server: origins, sizes, frames and packets no browser would send


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real server for these tests, default limits on; each test uses its own names."""
    with GunicornServer(tmp_path_factory.mktemp("abuse")) as server:
        yield server


def socket_url(server):
    return f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"


def raw_socket(server, nick, **options):
    """A bare WebSocket speaking Engine.IO and Socket.IO by hand, connected as nick."""
    connection = websocket.create_connection(socket_url(server), timeout=5, **options)
    assert connection.recv().startswith("0")
    connection.send("40" + json.dumps({"nick": nick}))
    while not connection.recv().startswith("40"):
        pass
    return connection


def directory_on_connect(server, nick):
    """The room directory a new connection receives."""
    connection = websocket.create_connection(socket_url(server), timeout=5)
    connection.recv()
    connection.send("40" + json.dumps({"nick": nick}))
    while True:
        frame = connection.recv()
        if frame.startswith('42["rooms",'):
            connection.close()
            return json.loads(frame[2:])[1]


def read_ack(connection, ack_id):
    """The payload of Socket.IO ack `ack_id`, skipping other packets."""
    prefix = f"43{ack_id}"
    while True:
        frame = connection.recv()
        if frame.startswith(prefix):
            return json.loads(frame[len(prefix) :])[0]


def close_code(connection):
    """The status in the server's close frame (1005: none given), or None if the connection
    was cut; fails if the server keeps the connection open for 5 s."""
    try:
        while True:
            opcode, data = connection.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big") if data else 1005
    except websocket.WebSocketTimeoutException:
        pytest.fail("the server kept the connection open")
    except (OSError, websocket.WebSocketException):
        return None


def reset(connection):
    """Drop a connection with a TCP reset: the server discards whatever it has not read yet."""
    connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.sock.close()


def assert_others_keep_chatting(server, tag):
    """Two fresh users exchange a message within 5 s."""
    alice, bob = ChatClient(server.url, f"{tag}-a"), ChatClient(server.url, f"{tag}-b")
    for user in (alice, bob):
        assert user.call("join", {"room": tag})["ok"]
    assert alice.call("chat message", {"room": tag, "text": "still fine?"})["ok"]
    assert bob.arrived.wait(5) and bob.messages[0]["text"] == "still fine?"
    alice.close()
    bob.close()


def test_a_socket_from_another_origin_is_refused(server):
    with pytest.raises(websocket.WebSocketBadStatusException) as refusal:
        websocket.create_connection(socket_url(server), origin="http://evil.example", timeout=5)
    assert refusal.value.status_code == 400
    other_port = requests.get(
        server.url + "/socket.io/?EIO=4&transport=polling",
        headers={"Origin": f"http://127.0.0.1:{server.port + 1}"},
        timeout=5,
    )
    assert other_port.status_code == 400
    same = websocket.create_connection(socket_url(server), origin=server.url, timeout=5)
    assert same.recv().startswith("0")
    same.close()


def test_an_oversize_frame_closes_only_its_own_connection(server):
    attacker = raw_socket(server, "big-frame")
    attacker.send("4" + "x" * (Config.MAX_HTTP_BUFFER_SIZE + 1))
    assert close_code(attacker) in (1009, None)
    assert_others_keep_chatting(server, "big-frame")


def test_a_message_split_into_small_frames_is_capped_as_a_whole(server):
    attacker = raw_socket(server, "fragments")
    # Whole, the two pieces would make a harmless event, which the server would read and keep
    # the connection for.
    piece = b"x" * (Config.MAX_HTTP_BUFFER_SIZE // 2 + 1)
    first, second = b'42["x","' + piece, piece + b'"]'
    attacker.send_frame(websocket.ABNF(fin=0, opcode=websocket.ABNF.OPCODE_TEXT, data=first))
    attacker.send_frame(websocket.ABNF(fin=1, opcode=websocket.ABNF.OPCODE_CONT, data=second))
    # The server closes with 1009 before reading the rest of the second piece; the kernel
    # then answers that unread rest with a reset, which can reach the client before it reads
    # the close frame.
    assert close_code(attacker) in (1009, None)
    assert_others_keep_chatting(server, "fragments")


def test_an_oversize_polling_post_is_refused_at_once(server):
    opened = requests.get(server.url + "/socket.io/?EIO=4&transport=polling", timeout=5)
    sid = json.loads(opened.text[1:])["sid"]
    refused = requests.post(
        f"{server.url}/socket.io/?EIO=4&transport=polling&sid={sid}",
        data="4" + "x" * Config.MAX_HTTP_BUFFER_SIZE,
        timeout=5,
    )
    assert refused.status_code == 413
    assert_others_keep_chatting(server, "big-post")


def test_a_sender_that_never_pauses_does_not_stall_anyone_else(server):
    """Frames for a namespace it never joined cost the server little, but arrive without a
    pause; the reader must still let everyone else have their turn."""
    worker = server.worker_pid()
    attacker = raw_socket(server, "firehose")
    frames = '42/elsewhere,["x",{}]'
    batch = websocket.ABNF.create_frame(frames, websocket.ABNF.OPCODE_TEXT).format() * 500
    stop = threading.Event()

    def pour():
        while not stop.is_set():
            attacker.sock.sendall(batch)

    pouring = threading.Thread(target=pour, daemon=True)
    pouring.start()
    try:
        alice, bob = ChatClient(server.url, "patient-a"), ChatClient(server.url, "patient-b")
        for user in (alice, bob):
            assert user.call("join", {"room": "patient"})["ok"]
        delays = []
        for n in range(10):
            bob.arrived.clear()
            started = time.monotonic()
            alice.call("chat message", {"room": "patient", "text": f"m{n}"})
            assert bob.arrived.wait(10)
            delays.append(time.monotonic() - started)
    finally:
        stop.set()
        pouring.join(10)
        reset(attacker)
    assert max(delays) < 2.0, delays
    assert server.worker_pid() == worker, "gunicorn must not have replaced a stalled worker"
    alice.close()
    bob.close()


def test_a_client_that_stops_reading_holds_up_nobody_and_misses_nothing(tmp_path):
    """About 5 MB for a reader that stops: more than the socket buffers hold, so the rest
    waits in the server, for that connection only, and arrives in order later."""
    with GunicornServer(tmp_path, env={"FLASK_RATE_LIMIT": "0"}) as server:
        small_window = ((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),)
        stalled = raw_socket(server, "stalled", sockopt=small_window)
        stalled.send('420["join",{"room":"backlog"}]')
        assert read_ack(stalled, 0)["ok"]
        alice, bob = ChatClient(server.url, "backlog-a"), ChatClient(server.url, "backlog-b")
        for user in (alice, bob):
            assert user.call("join", {"room": "backlog"})["ok"]
        texts = [f"{n:04d} " + "x" * 1990 for n in range(2500)]
        for text in texts:
            assert alice.call("chat message", {"room": "backlog", "text": text})["ok"]
        deadline = time.monotonic() + 30
        while len(bob.messages) < len(texts) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [message["text"] for message in bob.messages] == texts
        late = []
        while len(late) < len(texts):
            frame = stalled.recv()
            if frame.startswith('42["chat message"'):
                late.append(json.loads(frame[2:])[1]["text"])
        assert late == texts
        for connection in (alice, bob, stalled):
            connection.close()


def test_a_packet_announcing_endless_attachments_is_dropped(server):
    attacker = raw_socket(server, "attachments")
    attacker.send('451000000-["chat message",{"_placeholder":true,"num":0}]')
    attacker.send('421["join",{"room":"attachments"}]')
    assert read_ack(attacker, 1)["ok"], "the next frame is a packet again, not an attachment"
    attacker.close()


def test_garbage_packets_are_dropped_and_a_connection_that_keeps_sending_them_is_closed(server):
    attacker = raw_socket(server, "garbage")
    garbage = ['42["unfinished",', "42" + "[" * 20000 + "]" * 20000, "42[]", "42[{}]", '42["*",{}]']
    for packet in garbage[:-1]:
        attacker.send(packet)
    attacker.send('427["join",{"room":"garbage"}]')
    assert read_ack(attacker, 7)["ok"], "a few bad packets do not cost the connection"
    attacker.send(garbage[-1])
    assert close_code(attacker) == 1005
    assert_others_keep_chatting(server, "garbage")
    assert "Traceback" not in server.log()


def test_a_client_sending_within_its_limit_through_a_server_stop_is_never_refused(server):
    """The worker is stopped (SIGSTOP) for 6 s while a client sends 4 messages a second."""
    watcher = ChatClient(server.url, "stall-watcher")
    watcher.call("join", {"room": "stall"})
    sender = ChatClient(server.url, "steady")
    sender.call("join", {"room": "stall"})
    acks = []
    worker = server.worker_pid()
    started = time.monotonic()
    for n in range(40):
        time.sleep(max(0.0, started + n / 4 - time.monotonic()))
        if n == 8:
            os.kill(worker, signal.SIGSTOP)
        if n == 32:
            os.kill(worker, signal.SIGCONT)
        sender.socket.emit("chat message", {"room": "stall", "text": f"m{n}"}, callback=acks.append)
    deadline = time.monotonic() + 15
    while len(acks) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [ack for ack in acks if not ack["ok"]] == []
    assert len(acks) == 40 and sender.socket.connected
    sender.close()
    watcher.close()


def test_sockets_inflating_the_room_directory_are_capped_and_newcomers_get_a_short_list(
    tmp_path,
):
    """25 sockets from one address each try to open 20 new rooms (on a server of their own:
    the address's creations are used up afterwards)."""
    with GunicornServer(tmp_path) as server:
        inflate_and_check(server)


def inflate_and_check(server):
    """Let 25 sockets try 20 new rooms each; check the cap, the directory, and the others."""
    inflaters = [raw_socket(server, f"inflater{n}") for n in range(25)]
    created = 0
    for number, inflater in enumerate(inflaters):
        for room in range(20):
            inflater.send(f'42{room}["join",{{"room":"r{number}-{room}"}}]')
            created += read_ack(inflater, room)["ok"]
    directory = directory_on_connect(server, "newcomer")
    assert created == Config.ROOMS_CREATED_PER_ADDRESS
    assert directory["total"] == created and len(directory["rooms"]) == created
    assert_others_keep_chatting(server, "r0-0")  # a room that exists: this address made enough


def test_a_flooding_client_is_told_why_and_disconnected(server):
    bob = ChatClient(server.url, "flood-watcher")
    bob.call("join", {"room": "flood"})
    # `kicked` is read before the disconnect, but its handler may run after the other's.
    read, gone = ReadOrder(), threading.Event()
    flooder = socketio.Client(reconnection=False, engineio_logger=read.logger())
    flooder.on("disconnect", lambda *_: gone.set())
    flooder.connect(server.url, auth={"nick": "flooder"}, transports=["websocket"])
    flooder.call("join", {"room": "flood"}, timeout=5)
    for n in range(BURST + REFUSALS_BEFORE_CUT_OFF + 5):
        try:
            flooder.emit("chat message", {"room": "flood", "text": f"flood {n}"})
        except socketio.exceptions.BadNamespaceError:
            break
    assert gone.wait(5)
    reasons = [data["reason"] for data in read.received("kicked")]
    assert reasons == ["Flooding: too many events, too fast."]
    assert_others_keep_chatting(server, "after-flood")
    # The burst got through, and hardly more: a token comes back every 0.2 s meanwhile.
    deadline = time.monotonic() + 10
    while len(bob.messages) < BURST and time.monotonic() < deadline:
        time.sleep(0.05)
    assert BURST <= len(bob.messages) <= BURST + 5
    bob.close()
