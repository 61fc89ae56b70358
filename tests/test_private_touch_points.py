"""Every private name of python-engineio, python-socketio and eventlet that the transport
layer relies on (docs/upgrading.md) still exists, with the shape we use, in the installed
versions. An upgrade that renames or reshapes one fails here, by name, before anything
subtler breaks. Eventlet is imported here, never patched."""

import inspect
import io
import socket

import engineio
import pytest
import socketio
from engineio import socket as engineio_socket
from engineio.async_drivers import eventlet as engineio_eventlet
from eventlet import greenio, queue, websocket
from eventlet.hubs import hub
from socketio import packet

from chat.transport.fastpath.websocket import EVENTLET_READER_STATE

# (owner, name, its parameters as we call or override it)
CALLABLES = [
    # chat/transport/guards.py
    (socketio.Server, "_handle_eio_message", ["self", "eio_sid", "data"]),
    (packet.Packet, "decode", ["self", "encoded_packet"]),
    (packet.Packet, "data_is_binary", ["data"]),
    # chat/transport/websocket_guard.py
    (engineio_eventlet.WebSocketWSGI, "__init__", ["self", "handler", "server"]),
    (websocket.WebSocketWSGI, "__call__", ["self", "environ", "start_response"]),
    (websocket.WebSocketWSGI, "_handle_hybi_request", ["self", "environ"]),
    (websocket.RFC6455WebSocket, "_recv_frame", ["self", "message"]),
    (websocket.RFC6455WebSocket, "_apply_mask", ["data", "mask", "length", "offset"]),
    (websocket.RFC6455WebSocket, "close", ["self", "close_data"]),
    (
        websocket.RFC6455WebSocket.Message,
        "__init__",
        ["self", "opcode", "max_frame_length", "decoder", "decompressor"],
    ),
    (websocket.RFC6455WebSocket.Message, "push", ["self", "data", "final"]),
    (websocket.FailedConnectionError, "__init__", ["self", "status", "message"]),
    # chat/transport/fastpath/sockets.py
    (engineio_socket.Socket, "schedule_ping", ["self"]),
    (engineio_socket.Socket, "_websocket_handler", ["self", "ws"]),
    (engineio_socket.Socket, "receive", ["self", "pkt"]),
    (engineio_socket.Socket, "send", ["self", "pkt"]),
    (engineio_socket.Socket, "close", ["self", "wait", "abort", "reason"]),
    (engineio_socket.Socket, "check_ping_timeout", ["self"]),
    # chat/transport/fastpath/websocket.py
    (
        websocket.RFC6455WebSocket,
        "_pack_message",
        ["self", "message", "masked", "continuation", "final", "control_code"],
    ),
    (
        websocket.RFC6455WebSocket,
        "_send_closing_frame",
        ["self", "ignore_send_errors", "close_data"],
    ),
    (websocket.RFC6455WebSocket, "wait", ["self"]),
    (queue.Queue, "get", ["self", "block", "timeout"]),
    (hub.BaseHub, "add", ["self", "evtype", "fileno", "cb", "tb", "mark_as_closed"]),
    (hub.BaseHub, "remove", ["self", "listener"]),
    (hub.BaseHub, "schedule_call_global", ["self", "seconds", "cb", "args", "kw"]),
]


@pytest.mark.parametrize(
    ("owner", "name", "parameters"),
    CALLABLES,
    ids=[f"{owner.__qualname__}.{name}" for owner, name, _ in CALLABLES],
)
def test_a_private_callable_keeps_its_name_and_parameters(owner, name, parameters):
    assert hasattr(owner, name), f"{owner.__qualname__}.{name} is gone"
    assert list(inspect.signature(getattr(owner, name)).parameters) == parameters


@pytest.fixture
def engine():
    """A threading Engine.IO server: the same class eventlet's mode builds, without eventlet."""
    return engineio.Server(async_mode="threading")


def polling_handshake():
    """The environ of an Engine.IO handshake over long-polling."""
    return {
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": "EIO=4&transport=polling",
        "PATH_INFO": "/engine.io/",
        "wsgi.input": io.BytesIO(),
    }


def test_the_engineio_server_keeps_its_drivers_sockets_and_reasons(engine):
    assert {"websocket", "queue"} <= set(engine._async)
    assert {"websocket", "queue"} <= set(engineio_eventlet._async)
    assert type(engine.sockets) is dict
    assert engine.reason.TRANSPORT_CLOSE


def test_the_engineio_server_stores_each_new_socket_by_item_assignment(engine):
    stored = []

    class Recording(dict):
        def __setitem__(self, sid, engine_socket):
            stored.append(engine_socket)
            super().__setitem__(sid, engine_socket)

    engine.sockets = Recording()
    engine.handle_request(polling_handshake(), lambda status, headers: None)
    assert [type(engine_socket) for engine_socket in stored] == [engineio_socket.Socket]


def test_the_engineio_server_starts_no_service_task_when_told_not_to(engine):
    assert engine.start_service_task, "on by default: the attribute still decides it"
    engine.start_service_task = False
    engine.handle_request(polling_handshake(), lambda status, headers: None)
    assert engine.service_task_handle is None


def test_an_engineio_socket_keeps_the_state_the_fast_path_reads_and_sets(engine):
    engine_socket = engineio_socket.Socket(engine, "sid")
    for name in ("queue", "last_ping", "connected", "upgrading", "upgraded", "closing", "closed"):
        assert hasattr(engine_socket, name), name
    assert not hasattr(engineio.packet.Packet, "__slots__"), "a broadcast's frame rides on it"


def test_the_socketio_server_keeps_each_connections_environ():
    assert type(socketio.Server(async_mode="threading").environ) is dict


def test_an_eventlet_websocket_keeps_the_state_the_transport_reads_and_sets():
    connection = websocket.RFC6455WebSocket(None, {}, 13)
    for name in ("socket", "environ", "extensions", "max_frame_length", "websocket_closed"):
        assert hasattr(connection, name), name


def test_an_eventlet_websocket_keeps_the_reader_state_a_detached_connection_drops():
    connection = websocket.RFC6455WebSocket(None, {}, 13)
    assert set(EVENTLET_READER_STATE) <= set(vars(connection))


def test_a_green_socket_keeps_its_plain_socket_as_fd():
    green = greenio.GreenSocket(socket.socket())
    try:
        assert isinstance(green.fd, socket.socket)
    finally:
        green.close()
