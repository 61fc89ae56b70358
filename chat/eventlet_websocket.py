"""Eventlet's WebSocket reader, hardened for untrusted clients; imported only under eventlet.

Eventlet 0.41's RFC 6455 reader has three weaknesses a chat open to anyone cannot keep:
- a message split into continuation frames is never size-checked as a whole, so one
  client can make the server buffer without end;
- frames are unmasked one byte at a time in Python, about 13 ms of CPU per 64 KiB frame;
- a connection whose bytes are always ready is read without ever yielding, so one fast
  sender stalls every other user, until gunicorn kills the worker as unresponsive.
Engine.IO's writer sends each queued packet with a system call of its own; under a
broadcast load several packets are usually queued for a connection at once, so here the
frames of one batch are written together when the writer would wait for more.

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


# Frames of one batch are written at once up to this many bytes.
BATCH_BYTES = 64 * 1024


class HardenedWebSocket(websocket.RFC6455WebSocket):
    """Caps whole messages, unmasks in one integer XOR, yields before every frame, closes once,
    and writes a batch of data frames in one go (see `flush`)."""

    Message = CappedMessage

    def adopt(self):
        """Turn eventlet's RFC6455WebSocket (it builds one by name) into a HardenedWebSocket."""
        self.__class__ = HardenedWebSocket
        self._outgoing = []
        self._outgoing_bytes = 0

    def send(self, message, **options):
        """Hold a data frame until `flush`; send a control frame, after those held, at once."""
        if options:
            self.flush()
            return super().send(message, **options)
        frame = self._pack_message(message)
        self._outgoing.append(frame)
        self._outgoing_bytes += len(frame)
        if self._outgoing_bytes >= BATCH_BYTES:
            self.flush()

    def flush(self):
        """Write the frames held so far, in order, with one system call when the socket can."""
        if self._outgoing:
            frames = b"".join(self._outgoing)
            self._outgoing, self._outgoing_bytes = [], 0
            self._send(frames)

    def flush_before_waiting(self):
        """Flush as the writer runs out of packets; a broken connection is the reader's to end."""
        try:
            self.flush()
        except OSError:
            return

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
        """Send what is held (an upgrade's probe answer waits for the client's reply), let every
        other green thread run, then read the next frame."""
        self.flush()
        eventlet.sleep(0)
        return super()._recv_frame(message)


class HardenedWebSocketWSGI(engineio_eventlet.WebSocketWSGI):
    """Engine.IO's eventlet WebSocket endpoint, handing out HardenedWebSocket connections."""

    def _handle_hybi_request(self, environ):
        """Complete the handshake as eventlet does, then adopt the connection."""
        connection = super()._handle_hybi_request(environ)
        HardenedWebSocket.adopt(connection)
        # The handler is Engine.IO's socket's; its writer flushes whenever it would wait.
        self.handler.__self__.queue.before_waiting = connection.flush_before_waiting
        return connection


class UntimedQueue(queue.Queue):
    """Engine.IO's queue of packets for a connection, waited on without a timer per wait.

    Engine.IO's writer waits for each next packet with a timeout of ping_interval plus
    ping_timeout, so eventlet schedules and cancels a hub timer for every packet delivered,
    about a sixth of the worker's time in a broadcast-heavy load. The timeout decides nothing:
    a live connection is queued a ping every ping_interval, and one that stops answering is
    closed by Engine.IO's service task, which queues the None that ends the wait.
    """

    def before_waiting(self):
        """Called when a blocking get finds the queue empty; a WebSocket flushes here."""

    def get(self, block=True, timeout=None):
        """The next item; blocks until there is one when block is true, whatever timeout says."""
        if block and not self.qsize():
            self.before_waiting()
        return super().get(block)


def install(engineio_server):
    """Make an eventlet Engine.IO server accept WebSockets through HardenedWebSocketWSGI and
    queue packets in UntimedQueues."""
    engineio_server._async = {
        **engineio_server._async,
        "websocket": HardenedWebSocketWSGI,
        "queue": UntimedQueue,
    }
