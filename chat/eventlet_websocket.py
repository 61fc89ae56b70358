"""Eventlet's WebSocket reader, hardened for untrusted clients; imported only under eventlet.

Eventlet 0.41's RFC 6455 reader has three weaknesses a chat open to anyone cannot keep:
- a message split into continuation frames is never size-checked as a whole, so one
  client can make the server buffer without end;
- frames are unmasked one byte at a time in Python, about 13 ms of CPU per 64 KiB frame;
- a connection whose bytes are always ready is read without ever yielding, so one fast
  sender stalls every other user, until gunicorn kills the worker as unresponsive.
It also logs "socket shutdown error: [Errno 9] Bad file descriptor", without a newline,
whenever a closed connection is closed again, which Engine.IO does for every client that
leaves: under load that noise would bury the log.
"""

import eventlet
from engineio.async_drivers import eventlet as engineio_eventlet
from eventlet import queue, websocket


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
        key = bytes(mask[(offset + index) % 4] for index in range(4))
        repeated = (key * (length // 4 + 1))[:length]
        masked = int.from_bytes(data[:length], "big") ^ int.from_bytes(repeated, "big")
        return masked.to_bytes(length, "big")

    def close(self, close_data=None):
        """Close the connection, unless it is closed already."""
        if self.socket.fileno() != -1:
            super().close(close_data)

    def _recv_frame(self, message=None):
        """Let every other green thread run, then read the next frame."""
        eventlet.sleep(0)
        return super()._recv_frame(message)


class HardenedWebSocketWSGI(engineio_eventlet.WebSocketWSGI):
    """Engine.IO's eventlet WebSocket endpoint, handing out HardenedWebSocket connections."""

    def _handle_hybi_request(self, environ):
        """Complete the handshake as eventlet does, then adopt the connection."""
        connection = super()._handle_hybi_request(environ)
        # Eventlet builds its RFC6455WebSocket by name; the subclass adds no state of its own.
        connection.__class__ = HardenedWebSocket
        return connection


class UntimedQueue(queue.Queue):
    """Engine.IO's queue of packets for a connection, waited on without a timer per wait.

    Engine.IO's writer waits for each next packet with a timeout of ping_interval plus
    ping_timeout, so eventlet schedules and cancels a hub timer for every packet delivered,
    about a sixth of the worker's time in a broadcast-heavy load. The timeout decides nothing:
    a live connection is queued a ping every ping_interval, and one that stops answering is
    closed by Engine.IO's service task, which queues the None that ends the wait.
    """

    def get(self, block=True, timeout=None):
        """The next item; blocks until there is one when block is true, whatever timeout says."""
        return super().get(block)


def install(engineio_server):
    """Make an eventlet Engine.IO server accept WebSockets through HardenedWebSocketWSGI and
    queue packets in UntimedQueues."""
    engineio_server._async = {
        **engineio_server._async,
        "websocket": HardenedWebSocketWSGI,
        "queue": UntimedQueue,
    }
