"""Delivery under faults: a full database, a server killed mid-burst, connections cut
again and again.

Every user here behaves as the chat page does (static/js/outbox.js, chat.js, rooms.js):
each message gets a client id and stays in the outbox until acked, and is sent again after
every reconnect; every reconnect re-joins each room after the last id seen (less whatever
arrived in the RESUME_OVERLAP seconds before the newest arrival) and fetches `history`
batches, each after the previous one's end, while `more`; the log keeps each message once,
by id. At the end, every user must show exactly the messages the database holds, per room,
and the database must hold every message sent exactly once.
"""

import contextlib
import socket
import sqlite3
import struct
import threading
import time
from functools import partial

import psycopg
import pytest
import socketio
from inbox import received
from servers import GunicornServer

from chat.core.store import is_postgres

pytestmark = pytest.mark.timeout(120)

ROOMS = ("alpha", "beta")
RESUME_OVERLAP = 5.0
SENDERS = 4
PER_SENDER = 60
# High enough that a burst is never refused, so the limiter stays in the path.
LIMITS = {"FLASK_RATE_LIMIT": "1000", "FLASK_RATE_BURST": "1000", "FLASK_CATCH_UP_BATCH": "25"}


class PageClient:
    """One user, doing what the chat page does."""

    def __init__(self, url, nick):
        self.url = url
        self.nick = nick
        self.logs = {room: {} for room in ROOMS}
        self.arrivals = {room: [] for room in ROOMS}
        self.live_arrivals = {}
        self.joined = set()
        self.outbox = {}
        self.acks = {}
        self.refusals = []
        self.sent = 0
        self.lock = threading.RLock()
        self.socket = socketio.Client(
            reconnection_attempts=300, reconnection_delay=0.05, reconnection_delay_max=0.3
        )
        self.socket.on("connect", self._rejoin_all)
        self.socket.on("disconnect", self._left_every_room)
        self.socket.on("chat message", self._arrived)

    def start(self):
        """Connect as the same owner on every reconnect, like a browser session."""
        self.socket.connect(
            self.url,
            auth={"nick": self.nick, "key": f"session-of-{self.nick}"},
            transports=["websocket"],
            wait_timeout=10,
        )

    def send(self, room, text):
        """Queue a message in the outbox and send it if connected (outbox.js `send`)."""
        with self.lock:
            self.sent += 1
            client_id = f"{self.nick}-{self.sent}"
            self.outbox[client_id] = (room, text)
            self._attempt(client_id)

    def _attempt(self, client_id):
        """Send one queued message; one for a room not joined (yet) goes once it is joined,
        as the page holds it (outbox.js)."""
        room, text = self.outbox[client_id]
        if room not in self.joined:
            return
        payload = {"room": room, "text": text, "client_id": client_id}
        # Not connected: it goes after the reconnect.
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            self.socket.emit("chat message", payload, callback=partial(self._acked, client_id))

    def _acked(self, client_id, ack):
        """Move a stored message from the outbox into the log under its id (rooms.js
        `confirm`); the page shows a refusal as failed."""
        with self.lock:
            if client_id not in self.outbox:
                return
            if not ack["ok"]:
                self.refusals.append(ack)
                return
            room, text = self.outbox.pop(client_id)
            self.acks[client_id] = ack
            self._place(room, {"id": ack["id"], "text": text})

    def _left_every_room(self, *_reason):
        """A lost connection leaves every room until the re-join after the reconnect."""
        with self.lock:
            self.joined.clear()

    def _rejoin_all(self):
        """Re-join every room after its last seen id, then resend the outbox (chat.js)."""
        with self.lock:
            waiting = set(ROOMS)
            for room in ROOMS:
                after = self._resume_after(room)
                callback = partial(self._rejoined, room, waiting)
                self.socket.emit("join", {"room": room, "after": after}, callback=callback)

    def _rejoined(self, room, waiting, ack):
        """Show the missed messages, fetch more batches if any, resend once all rooms are in."""
        with self.lock:
            if ack["ok"]:
                self.joined.add(room)
                self._show(room, ack["history"], ack["more"])
            waiting.discard(room)
            if not waiting:
                for client_id in list(self.outbox):
                    self._attempt(client_id)

    def _show(self, room, messages, more):
        """Add a batch to the log and ask for the batch after its last message while `more`."""
        for message in messages:
            self._place(room, message)
        if more:
            after = messages[-1]["id"]
            callback = partial(self._caught_up, room)
            self.socket.emit("history", {"room": room, "after": after}, callback=callback)

    def _caught_up(self, room, ack):
        with self.lock:
            if ack["ok"]:
                self._show(room, ack["messages"], ack["more"])

    def _arrived(self, message):
        """A live message: shown once, by id; counted to catch a second broadcast."""
        with self.lock:
            self._place(message["room"], message)
            self.live_arrivals[message["id"]] = self.live_arrivals.get(message["id"], 0) + 1

    def _place(self, room, message):
        """Show a stored message once, noting when it arrived (rooms.js `place`)."""
        if message["id"] in self.logs[room]:
            return
        self.logs[room][message["id"]] = message
        now = time.monotonic()
        recent = [(i, at) for i, at in self.arrivals[room] if at >= now - RESUME_OVERLAP]
        self.arrivals[room] = [*recent, (message["id"], now)]

    def _resume_after(self, room):
        """The last id seen, less anything that arrived just before it (rooms.js)."""
        if not self.logs[room]:
            return 0
        return min(max(self.logs[room]), *(i - 1 for i, _ in self.arrivals[room]))

    def settled(self):
        """Connected with nothing left to send."""
        with self.lock:
            return self.socket.connected and not self.outbox

    def shown(self, room):
        """The ids this user's log shows for a room, in the order the page shows them."""
        with self.lock:
            return sorted(self.logs[room])

    def close(self):
        self.socket.disconnect()


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 whose connections the test cuts at will.

    `hold()` stops passing the server's bytes on, so acks of messages the server is storing
    meanwhile never arrive; `cut()` then resets every connection, losing them for good.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = []
        self.downstream = threading.Event()
        self.downstream.set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, self.downstream), daemon=True
            ).start()

    def _pump(self, source, sink, gate):
        try:
            while data := source.recv(65536):
                if gate is not None:
                    gate.wait(10)
                sink.sendall(data)
        except OSError:
            pass

    def hold(self):
        self.downstream.clear()

    def cut(self):
        """Reset every connection, then let traffic flow again for the reconnects."""
        with self.lock:
            connections, self.connections = self.connections, []
        for connection in connections:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # shutdown, not just close: it also wakes the pump blocked reading this socket,
            # which would otherwise keep the socket open.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self.downstream.set()

    def close(self):
        self.listener.close()
        self.cut()


def burst(senders, pause):
    """Each sender sends PER_SENDER messages, alternating rooms, in a thread of its own."""

    def send_all(sender):
        for n in range(PER_SENDER):
            sender.send(ROOMS[n % 2], f"{sender.nick} says {n}")
            time.sleep(pause)

    threads = [threading.Thread(target=send_all, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    return threads


def wait_until(condition, timeout, what):
    """Poll condition; fail after timeout seconds, saying what (text, or a function of now)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what() if callable(what) else what}")
        time.sleep(0.05)


def stored(database):
    """Every stored message as (id, room, nick, client_id, text, seq), in id order."""
    query = "SELECT id, room, nick, client_id, text, seq FROM message ORDER BY id"
    if is_postgres(database):
        with psycopg.connect(database) as connection:
            return connection.execute(query).fetchall()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute(query).fetchall()


def assert_exactly_once_and_converged(users, senders, database):
    """Each sent message stored once; every user shows the stored ids of each room, once."""
    wait_until(
        lambda: all(user.settled() for user in users),
        30,
        lambda: "; ".join(
            f"{u.nick}: connected {u.socket.connected}, {len(u.outbox)} unsent, {u.refusals}"
            for u in users
            if not u.settled()
        ),
    )
    rows = stored(database)
    sent = {f"{sender.nick}-{n}" for sender in senders for n in range(1, PER_SENDER + 1)}
    assert sorted(row[3] for row in rows) == sorted(sent), "each message stored exactly once"
    for sender in senders:
        assert sender.refusals == []
        for client_id, ack in sender.acks.items():
            assert (ack["id"], client_id) in {(row[0], row[3]) for row in rows}
    for room in ROOMS:
        seqs = sorted(row[5] for row in rows if row[1] == room)
        assert seqs == list(range(1, len(seqs) + 1)), "each room's seqs without gap or repeat"
        expected = [row[0] for row in rows if row[1] == room]
        wait_until(
            lambda room=room, expected=expected: all(u.shown(room) == expected for u in users),
            20,
            lambda room=room, expected=expected: "; ".join(
                f"{u.nick} misses {sorted(set(expected) - set(u.shown(room)))}"
                for u in users
                if u.shown(room) != expected
            ),
        )
    for user in users:
        assert set(user.live_arrivals.values()) <= {1}, "no message was broadcast twice"


@pytest.fixture
def server(tmp_path, database):
    with GunicornServer(tmp_path, env={**LIMITS, "FLASK_DATABASE": database}) as server:
        yield server


@pytest.fixture
def users():
    """Page-like users, closed at the end."""
    opened = []

    def users(url, *nicks):
        made = [PageClient(url, nick) for nick in nicks]
        for user in made:
            user.start()
            opened.append(user)
        return made

    yield users
    for user in opened:
        user.close()


def test_a_server_killed_mid_burst_loses_no_acked_message_and_everyone_converges(
    server, users, database
):
    senders = users(server.url, *(f"sender{n}" for n in range(SENDERS)))
    listeners = users(server.url, "listener0", "listener1")
    sending = burst(senders, pause=0.01)
    wait_until(lambda: sum(len(s.acks) for s in senders) >= 60, 30, "a third of the burst acked")
    server.kill()
    acked_before_the_kill = set()
    for sender in senders:
        with sender.lock:
            acked_before_the_kill |= {(ack["id"], cid) for cid, ack in sender.acks.items()}
    server.start()
    stored_after_restart = {(row[0], row[3]) for row in stored(database)}
    assert acked_before_the_kill <= stored_after_restart, "an acked message was lost"
    for thread in sending:
        thread.join(30)
    assert_exactly_once_and_converged(senders + listeners, senders, database)


def test_connections_cut_again_and_again_mid_burst_still_deliver_every_message_once(
    server, users, database
):
    proxy = CuttingProxy(server.port)
    try:
        senders = users(proxy.url, *(f"sender{n}" for n in range(SENDERS)))
        listeners = users(proxy.url, "listener0", "listener1")
        sending = burst(senders, pause=0.02)
        for _ in range(5):
            time.sleep(0.25)
            proxy.hold()
            time.sleep(0.15)
            proxy.cut()
        for thread in sending:
            thread.join(30)
        assert_exactly_once_and_converged(senders + listeners, senders, database)
        resent = [ack for s in senders for ack in s.acks.values() if ack["duplicate"]]
        assert resent, "some acks were lost with a cut, and the resends were acked as duplicates"
    finally:
        proxy.close()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_full_database_refuses_messages_clearly_and_recovers_when_space_returns(joined, app):
    store = app.extensions["chat"].store
    alice = joined("alice", "alpha")
    bob = joined("bob", "alpha")
    # SQLite's own cap on the file's size, set on the writers' connections: a full disk at will.
    writers = (store._writer, store._eager_writer)
    pages = store._writer.execute("PRAGMA page_count").fetchone()[0]
    for connection in writers:
        connection.execute(f"PRAGMA max_page_count = {pages}")
    acks = []
    while len(acks) < 50 and (not acks or acks[-1]["ok"]):
        acks.append(
            alice.emit("chat message", {"room": "alpha", "text": "x" * 2000}, callback=True)
        )
    assert acks[-1] == {
        "ok": False,
        "error": "History is unavailable right now; nothing was changed.",
    }
    delivered = [message["id"] for message in received(bob, "chat message")]
    assert delivered == [ack["id"] for ack in acks[:-1]], "only what was stored was broadcast"
    assert [m["id"] for m in store.recent("alpha", 50)] == delivered
    for connection in writers:
        connection.execute("PRAGMA max_page_count = 1073741823")
    again = alice.emit("chat message", {"room": "alpha", "text": "space again"}, callback=True)
    assert again["ok"]
