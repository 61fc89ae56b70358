"""Choices made for speed and memory keep the behaviour users and operators see."""

import base64
import os
import socket
import time

import pytest
import socketio as socketio_client
from read_order import ReadOrder
from servers import GunicornServer
from socketio import packet

from chat.core.presence import Presence
from chat.realtime.announcer import Announcer
from chat.transport.guards import CheckedPacket

BROWSER_OFFER = "permessage-deflate; client_max_window_bits"


def upgrade(server, extensions=BROWSER_OFFER):
    """Send a browser-like WebSocket upgrade request; return the connection, the answer's
    status line and headers (lower-case names)."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Extensions: {extensions}\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(request.encode())
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(4096)
        assert chunk, f"connection closed after {received!r}"
        received += chunk
    status, *lines = received.split(b"\r\n\r\n")[0].decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return connection, status, {name.lower(): value for name, value in headers.items()}


def upgrade_response(server, extensions=BROWSER_OFFER):
    """The status line and headers of the server's answer to a WebSocket upgrade request."""
    connection, status, headers = upgrade(server, extensions)
    connection.close()
    return status, headers


def test_websocket_compression_offer_is_declined_by_default(tmp_path):
    with GunicornServer(tmp_path) as server:
        status, headers = upgrade_response(server)
    assert status == "HTTP/1.1 101 Switching Protocols"
    assert "sec-websocket-extensions" not in headers


def test_websocket_compression_is_accepted_when_configured_on(tmp_path):
    with GunicornServer(tmp_path, env={"FLASK_WEBSOCKET_COMPRESSION": "true"}) as server:
        status, headers = upgrade_response(server)
    assert status == "HTTP/1.1 101 Switching Protocols"
    assert headers["sec-websocket-extensions"].startswith("permessage-deflate")


def test_a_connection_that_stops_answering_pings_is_closed(tmp_path):
    settings = {"FLASK_PING_INTERVAL": "1", "FLASK_PING_TIMEOUT": "1"}
    with GunicornServer(tmp_path, env=settings) as server:
        connection, status, _ = upgrade(server)
        assert status == "HTTP/1.1 101 Switching Protocols"
        with connection:
            # The server's open packet and pings arrive; none is answered.
            deadline = time.monotonic() + 15
            while connection.recv(4096):
                assert time.monotonic() < deadline, "still open 15 s after the last pong"


def test_clients_leaving_leave_nothing_in_the_server_log(tmp_path):
    with GunicornServer(tmp_path) as server:
        for _ in range(3):
            connected(server, "leaver").disconnect()
        # Admitted only once the server has let the last leaver's socket go.
        connected(server, "leaver").disconnect()
        log = server.log()
    assert "socket shutdown error" not in log
    assert "Error" not in log


def connected(server, nick):
    """A Socket.IO client connected over WebSocket as nick."""
    client = socketio_client.Client()
    client.connect(server.url, auth={"nick": nick}, transports=["websocket"], wait_timeout=10)
    return client


def test_directory_follows_joins_leaves_and_departures():
    presence = Presence()
    for sid, nick in (("s1", "alice"), ("s2", "bob"), ("s3", "alice")):
        presence.claim(sid, nick, f"owner-{nick}")
    presence.join("s1", "a")
    assert presence.directory() == [{"name": "a", "members": 1}]
    presence.join("s2", "a")
    presence.join("s2", "b")
    assert presence.directory() == [{"name": "a", "members": 2}, {"name": "b", "members": 1}]
    presence.join("s3", "a")
    presence.leave("s2", "a")
    assert presence.directory() == [{"name": "a", "members": 1}, {"name": "b", "members": 1}]
    presence.release("s2")
    presence.release("s1")
    assert presence.directory() == [{"name": "a", "members": 1}]


def test_announcements_space_out_in_proportion_beyond_a_thousand_users():
    presence = Presence()
    announcer = Announcer(presence, 1.0, big_room=100)
    claim_users(presence, 999)
    assert announcer.current_interval() == 1.0
    claim_users(presence, 2500)
    assert announcer.current_interval() == 2.5


def claim_users(presence, count):
    """Connect distinct users until count are online."""
    for number in range(presence.online_count(), count):
        presence.claim(f"sid{number}", f"user{number}", f"owner{number}")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "text",
        b"bytes",
        bytearray(b"bytes"),
        ["event", {"rooms": [{"name": "a", "members": 1}]}],
        ["event", {"nested": [{"deep": [1, 2, {"file": b"\x00"}]}]}],
        ["event", ("a tuple", b"is not looked into")],
        [[], {}, [[[]]], {"a": {"b": [bytearray()]}}],
    ],
)
def test_outgoing_packets_are_found_binary_exactly_as_socketio_finds_them(data):
    assert CheckedPacket.data_is_binary(data) == packet.Packet.data_is_binary(data)


def read_texts(read):
    """The texts of the chat messages among the events read, in the order they were read."""
    return [message["text"] for message in read.received("chat message")]


def test_a_burst_of_messages_arrives_whole_and_in_order_after_an_upgrade(tmp_path):
    with GunicornServer(tmp_path, env={"FLASK_RATE_LIMIT": "0"}) as server:
        sender = connected(server, "sender")
        # Long-polling first, then the upgrade probe: the path browsers take.
        read = ReadOrder()
        reader = socketio_client.Client(reconnection=False, engineio_logger=read.logger())
        reader.connect(server.url, auth={"nick": "reader"}, wait_timeout=10)
        assert reader.call("join", {"room": "burst"}, timeout=10)["ok"]
        assert sender.call("join", {"room": "burst"}, timeout=10)["ok"]
        texts = [f"message {number}" for number in range(200)]
        for text in texts:
            sender.emit("chat message", {"room": "burst", "text": text})
        deadline = time.monotonic() + 20
        while len(read_texts(read)) < len(texts) and time.monotonic() < deadline:
            time.sleep(0.05)
        transport = reader.transport()
        reader.disconnect()
        sender.disconnect()
    assert transport == "websocket"
    assert read_texts(read) == texts
