"""Eventlet's WebSocket, hardened for untrusted clients; every WebSocket under eventlet gets
it, whether or not the fast path serves it. Imported only under eventlet.

Eventlet 0.41's RFC 6455 reader has three weaknesses a chat open to anyone cannot keep:
- a message split into continuation frames is never size-checked as a whole, so one
  client can make the server buffer without end;
- frames are unmasked one byte at a time in Python, about 13 ms of CPU per 64 KiB frame;
- a connection whose bytes are always ready is read without ever yielding, so one fast
  sender stalls every other user, until gunicorn kills the worker as unresponsive.
HardenedWebSocket fixes those three in eventlet's reader. It also logs "socket shutdown
error: [Errno 9] Bad file descriptor", without a newline, whenever a closed connection is
closed again, which Engine.IO does for every client that leaves: under load that noise
would bury the log.
"""

import functools
from dataclasses import dataclass

import eventlet
from engineio.async_drivers import eventlet as engineio_eventlet
from eventlet import websocket


@dataclass
class Tally:
    """How one Engine.IO server's WebSockets are being served, for the operators' figures."""

    # Upgrade requests whose green thread is still serving its connection.
    in_green_threads: int = 0
    # Connections the event loop reads without a green thread (the fast path's).
    on_the_event_loop: int = 0


class CappedMessage(websocket.RFC6455WebSocket.Message):
    """A message closed with code 1009 once its frames add up to more than the frame limit."""

    def __init__(self, *arguments, **keywords):
        super().__init__(*arguments, **keywords)
        self.size = 0

    def push(self, data, final=False):
        """Add a piece of a frame, refusing the message when it grows past the limit."""
        self.size += len(data)
        if self.size > self.max_frame_length:
            raise websocket.FailedConnectionError(
                1009, f"Message above the limit of {self.max_frame_length} bytes."
            )
        super().push(data, final)


class HardenedWebSocket(websocket.RFC6455WebSocket):
    """Caps whole messages, unmasks in one integer XOR, yields before every frame, closes once."""

    Message = CappedMessage

    @staticmethod
    def _apply_mask(data, mask, length=None, offset=0):
        """XOR data with the 4-byte client mask, starting `offset` bytes into the frame."""
        length = len(data) if length is None else length
        return unmask(data[:length], bytes(mask[(offset + index) % 4] for index in range(4)))

    def close(self, close_data=None):
        """Close the connection, unless it is closed already."""
        if self.socket.fileno() != -1:
            super().close(close_data)

    def _recv_frame(self, message=None):
        """Let every other green thread run, then read the next frame."""
        eventlet.sleep(0)
        return super()._recv_frame(message)


class HardenedWebSocketWSGI(engineio_eventlet.WebSocketWSGI):
    """Engine.IO's eventlet WebSocket endpoint, handing out hardened connections and counting
    the green threads that serve them."""

    def __init__(self, tally, handler, server):
        super().__init__(handler, server)
        self.tally = tally

    def __call__(self, environ, start_response):
        """Serve one upgrade request, counted for as long as its green thread serves."""
        self.tally.in_green_threads += 1
        try:
            return super().__call__(environ, start_response)
        finally:
            self.tally.in_green_threads -= 1

    def _handle_hybi_request(self, environ):
        """Complete the handshake as eventlet does, then harden the connection."""
        connection = super()._handle_hybi_request(environ)
        connection.__class__ = HardenedWebSocket
        return connection


def install(engineio_server, endpoint=HardenedWebSocketWSGI):
    """Serve an eventlet Engine.IO server's WebSockets through endpoint; return its Tally."""
    tally = Tally()
    engineio_server._async = {
        **engineio_server._async,
        "websocket": functools.partial(endpoint, tally),
    }
    return tally


def unmask(data, mask):
    """XOR data with the 4-byte client mask, as one big integer instead of byte by byte."""
    length = len(data)
    repeated = (bytes(mask) * (length // 4 + 1))[:length]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
