"""Every handler survives any payload: arbitrary values thrown at every event, by hypothesis.

For each example the sender gets a clear ack (`ok` false with a non-empty reason, or `ok`
true for a payload that happened to be valid), stays connected, nothing is logged as an
error, and two bystanders can still exchange a message.
"""

import json
import logging

import pytest
import socketio
import websocket
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from inbox import received
from servers import GunicornServer
from test_server import ChatClient

from chat.config import Config
from chat.extensions import socketio as chat_sockets
from chat.transport.guards import MAX_ATTACHMENTS

# Answers that would mean the server, not the payload, failed: the store is always up here.
SERVER_FAILURES = {
    "Internal error; nothing was changed.",
    "History is unavailable right now; nothing was changed.",
}
CONTRACT = [
    "join",
    "history",
    "leave",
    "chat message",
    "typing",
    "find rooms",
    "members",
    "identity",
    "set passphrase",
    "direct message",
    "direct history",
    "conversations",
    "read",
    "edit message",
    "delete message",
    "search",
    "connect",
    "disconnect",
]
# The shapes of a successful ack, for payloads that happen to be valid.
SUCCESS_KEYS = {
    "join": [{"ok", "room", "members", "member_count", "history", "more", "read_seq", "unread"}],
    "history": [{"ok", "room", "messages", "more"}],
    "leave": [{"ok"}],
    "chat message": [
        {"ok", "id", "seq", "ts", "duplicate"},
        {"ok", "id", "seq", "ts", "duplicate", "mentions"},
    ],
    "typing": [{"ok"}],
    "find rooms": [{"ok", "rooms", "more"}],
    "members": [{"ok", "room", "members", "more", "member_count"}],
    "identity": [{"ok", "nick", "reserved", "reserved_days", "passphrase"}],
    "set passphrase": [{"ok"}],
    "direct message": [{"ok", "id", "seq", "ts", "duplicate"}],
    "direct history": [{"ok", "with", "messages", "more"}],
    "conversations": [{"ok", "conversations", "more"}],
    "read": [{"ok", "room", "read_seq"}, {"ok", "with", "read_seq"}],
    "edit message": [{"ok", "id", "edited_ts"}],
    "delete message": [{"ok", "id"}],
    "search": [{"ok", "room", "messages"}, {"ok", "with", "messages"}],
}

deep = [[[[[[[[[[["deep"]]]]]]]]]]]
for _ in range(40):
    deep = [deep]
huge_texts = st.sampled_from(
    ["x" * 100_000, "🙂" * 2001, "\u0000" * 50, "lone \ud800 surrogate", " \t\n", "x" * 2000]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=40)
    | st.binary(max_size=40)
    | huge_texts
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
# Fields the contract reads, given often-valid and often-hostile values, so that payloads get
# past the first checks and reach the deeper ones.
contract_fields = {
    "room": st.sampled_from(["lobby", "LOBBY", " lobby ", "ｌｏｂｂｙ", "elsewhere", "a/b", ""])
    | values,
    "text": st.text(max_size=30) | huge_texts | values,
    "after": st.integers(min_value=-5, max_value=2**64) | values,
    "client_id": st.text(max_size=70) | values,
    "active": st.booleans() | values,
    "q": st.text(max_size=50) | values,
    "to": st.sampled_from(["bob", "BOB", "carol", "mallory", "nobody", "b o b"]) | values,
    "with": st.sampled_from(["bob", "carol", "mallory", "nobody"]) | values,
    "id": st.integers(min_value=-5, max_value=2**64) | values,
    "seq": st.integers(min_value=-5, max_value=2**64) | values,
    "passphrase": st.text(max_size=20) | values,
}
payloads = values | st.fixed_dictionaries({}, optional=contract_fields)
# No argument at all, one payload, or extra positional arguments after it.
arguments = st.lists(payloads, max_size=3)
# "*" is Socket.IO's wildcard: a packet naming it is dropped before any handler (over the wire,
# test_abuse.py shows that); this in-process client would hand it past that check.
event_names = st.sampled_from(CONTRACT) | st.text(max_size=20).filter(lambda name: name != "*")

hypothesis_settings = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def binaries(value):
    """How many binary values a payload holds (each travels as an attachment)."""
    if isinstance(value, bytes):
        return 1
    if isinstance(value, list):
        return sum(map(binaries, value))
    if isinstance(value, dict):
        return sum(map(binaries, value.values()))
    return 0


def assert_clear_ack(event, ack):
    """A dict with `ok`: an error naming what is wrong with the payload, or the success
    shape of the event (`connect` and `disconnect` sent as events are unknown events)."""
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if ack["ok"]:
        assert set(ack) in SUCCESS_KEYS[event], ack
    else:
        assert isinstance(ack["error"], str) and ack["error"].strip(), ack
        assert ack["error"] not in SERVER_FAILURES, ack


def assert_no_errors_logged(caplog):
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]


@pytest.fixture
def bystanders(person):
    """Bob and Carol in the lobby, their nicknames reserved to them (so that they can receive
    direct messages), and a check that they can still talk."""
    bob, carol = person("bob"), person("carol")
    for bystander in (bob, carol):
        assert bystander.emit("join", {"room": "lobby"}, callback=True)["ok"]
    said = iter(range(10**6))

    def still_chatting():
        text = f"still here {next(said)}"
        bob.emit("chat message", {"room": "lobby", "text": text}, callback=True)
        assert text in [message["text"] for message in received(carol, "chat message")]

    return still_chatting


@hypothesis_settings
@given(event=event_names, arguments=arguments)
@example(event="chat message", arguments=[])
@example(event="join", arguments=[deep])
@example(event="chat message", arguments=[{"room": "lobby", "text": deep}])
@example(event="typing", arguments=[{"room": "lobby", "active": True}, b"\x00" * 10, None])
@example(event="history", arguments=[{"room": "lobby", "after": 2**63}])
@example(event="chat message", arguments=[{"room": "lobby", "text": "lone \ud800 surrogate"}])
@example(event="direct message", arguments=[{"to": "bob", "text": "hi", "client_id": "c"}])
@example(event="direct history", arguments=[{"with": "bob", "after_seq": 0}])
@example(event="direct history", arguments=[{"with": "bob", "before_seq": 9}])
@example(event="search", arguments=[{"with": "bob", "q": "hi"}])
@example(event="read", arguments=[{"room": "lobby", "seq": 1}])
@example(event="edit message", arguments=[{"id": 1, "text": "edited"}])
@example(event="delete message", arguments=[{"id": 1}])
@example(event="set passphrase", arguments=[{"passphrase": "correct horse"}])
@example(event="conversations", arguments=[])
def test_every_handler_answers_any_payload_with_a_clear_ack(
    person, bystanders, cheap_passphrases, caplog, event, arguments
):
    assume(binaries(arguments) <= MAX_ATTACHMENTS)
    caplog.clear()
    mallory = person("mallory")
    assert mallory.emit("join", {"room": "lobby"}, callback=True)["ok"]
    ack = mallory.emit(event, *arguments, callback=True)
    assert_clear_ack(event, ack)
    assert mallory.is_connected()
    bystanders()
    mallory.disconnect()
    assert_no_errors_logged(caplog)


auths = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=40)
    | st.fixed_dictionaries(
        {},
        optional={
            "nick": st.sampled_from(["mallory", "MALLORY", "ｍａｌｌｏｒｙ", "bob", "Bob "])
            | st.text(max_size=40),
            "key": st.text(max_size=20) | st.integers() | st.none(),
        },
    )
)


@hypothesis_settings
@given(auth=auths)
@example(auth={"nick": "x" * 100_000})
@example(auth={"nick": "ｂｏｂ", "key": "stolen"})
def test_connecting_with_any_auth_is_admitted_or_refused_cleanly(app, bystanders, caplog, auth):
    """Admitted only under a valid nickname nobody else holds, and never as bob."""
    caplog.clear()
    mallory = chat_sockets.test_client(app, auth=auth)
    if mallory.is_connected():
        ack = mallory.emit("join", {"room": "lobby"}, callback=True)
        assert ack["ok"] and sorted(ack["members"], key=str.casefold) == ack["members"]
        assert [m.casefold() for m in ack["members"]].count("bob") == 1
        mallory.disconnect()
    bystanders()
    assert_no_errors_logged(caplog)


# The same over the wire, against gunicorn's eventlet worker: fewer examples, real frames.


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real server without rate limits (they would cut a fuzzer off; test_abuse checks them)."""
    directory = tmp_path_factory.mktemp("properties")
    with GunicornServer(directory, env={"FLASK_RATE_LIMIT": "0"}) as server:
        yield server


def frames(event, arguments, ack_id=0):
    """The WebSocket frames of one Socket.IO event: the packet as an Engine.IO message ("4"),
    then its binary attachments as they are."""
    encoded = socketio.packet.Packet(data=[event, *arguments], id=ack_id).encode()
    packet, *attachments = encoded if isinstance(encoded, list) else [encoded]
    return ["4" + packet, *attachments]


class RawSender:
    """A bare WebSocket sending hand-encoded Socket.IO packets, binary attachments included."""

    def __init__(self, url, nick):
        self.connection = websocket.create_connection(url, timeout=5)
        assert self.connection.recv().startswith("0")
        self.connection.send("40" + json.dumps({"nick": nick}))
        while not self.connection.recv().startswith("40"):
            pass
        self.next_id = 0

    def call(self, event, *arguments):
        """Send an event with an ack id; return the ack's arguments."""
        self.next_id += 1
        for frame in frames(event, arguments, self.next_id):
            if isinstance(frame, bytes):
                self.connection.send_binary(frame)
            else:
                self.connection.send(frame)
        prefix = f"43{self.next_id}["
        while True:
            frame = self.connection.recv()
            if frame == "2":
                self.connection.send("3")  # Engine.IO's heartbeat
            elif isinstance(frame, str) and frame.startswith(prefix):
                return json.loads(frame[len(prefix) - 1 :])


@pytest.fixture(scope="module")
def wire(server):
    """Mallory's raw connection and two bystanders on the real server."""
    bob, carol = ChatClient(server.url, "bob"), ChatClient(server.url, "carol")
    for user in (bob, carol):
        assert user.call("join", {"room": "lobby"})["ok"]
    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    mallory = RawSender(url, "mallory")
    yield mallory, bob, carol
    for user in (bob, carol):
        user.close()
    mallory.connection.close()


@settings(hypothesis_settings, max_examples=200)
@given(event=event_names, arguments=arguments)
def test_the_real_server_answers_any_payload_over_the_wire(wire, server, event, arguments):
    assume(binaries(arguments) <= MAX_ATTACHMENTS)
    # A larger frame closes the connection, as test_abuse.py shows.
    assume(all(len(frame) < Config.MAX_HTTP_BUFFER_SIZE for frame in frames(event, arguments)))
    mallory, bob, carol = wire
    mallory.call("join", {"room": "lobby"})
    answer = mallory.call(event, *arguments)
    assert len(answer) == 1
    assert_clear_ack(event, answer[0])
    carol.arrived.clear()
    assert bob.call("chat message", {"room": "lobby", "text": "still here"})["ok"]
    assert carol.arrived.wait(5)
    assert "Traceback" not in server.log()
