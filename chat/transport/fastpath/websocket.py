"""WebSockets served from the event loop instead of by green threads of their own;
imported only under eventlet, when the fast path is on.

Engine.IO serves every WebSocket with two green threads: the request's, blocked reading,
and a writer waiting for packets. Each delivery of a broadcast then wakes one thread per
recipient, and each idle user holds two saved stacks. A QueuedWebSocket needs neither:
- writing: a frame is queued on its connection, and the frames every connection queued
  during one turn of the event loop go out right after it, each connection's in one
  non-blocking system call. Only a connection whose socket buffer is full gets a green
  thread, to wait for the client to read, for as long as that lasts;
- reading: the connection moves to a duplicate of its socket so that the request's thread
  can end, and the hub calls back when bytes arrive; a short-lived green thread takes up
  to READ_CHUNK of them and hands them to wsproto (frames.py).
It is a HardenedWebSocket (chat/transport/websocket_guard.py), whose reader still serves
the connections that negotiated compression, or that `python app.py` serves.
"""

import contextlib
import copy
import socket

import eventlet
from eventlet import event, hubs, queue
from eventlet.greenio import GreenSocket
from wsproto.events import Ping
from wsproto.frame_protocol import Opcode

from ..websocket_guard import HardenedWebSocket, HardenedWebSocketWSGI
from .frames import MessageReader, ProtocolFailure

# The most a connection's reader takes from its socket per turn of the event loop, so that
# one fast sender cannot hold up everyone else.
READ_CHUNK = 64 * 1024
# The state of eventlet's own reader and sender (a frame iterator, a message deque, a send
# lock, a log prefix): about 1.9 KiB per connection that a detached connection never uses,
# since wsproto reads it from the hub and it writes through its queue.
EVENTLET_READER_STATE = ("iterator", "_msgs", "_sendlock", "log_context")


class QueuedWebSocket(HardenedWebSocket):
    """A HardenedWebSocket whose frames wait for the end of the loop's turn, then go out
    together (see TurnFlusher), and which, once detached, the hub reads (`read_from_hub`).
    It shuts once everything queued before its close is out."""

    def adopt(self, tally):
        """Set up the outgoing queue of a connection eventlet has just accepted; tally counts
        it while the event loop reads it."""
        self.__class__ = QueuedWebSocket
        self._tally = tally
        self._outgoing = []
        self._flush_due = self._draining = self._closing = False
        self._broken = self._shut_started = False
        self._shut_down = self._on_end = None
        self._flusher = TurnFlusher.current()

    def send(self, message, **options):
        """Queue a frame, data or control, behind those already queued."""
        self.send_frame(self._pack_message(message, **options))

    def send_frame(self, frame):
        """Queue an already packed frame; dropped once the connection is broken."""
        if not self._broken:
            self._outgoing.append(frame)
            self._request_flush()

    def close(self, close_data=None):
        """Queue the closing frame; the socket shuts once it has gone out."""
        if not self._closing:
            self._closing = True
            self._send_closing_frame(ignore_send_errors=True, close_data=close_data)
            self._request_flush()

    def wait_closed(self):
        """Block this green thread until the socket has shut."""
        if self._shut_down is None:
            self._shut_down = event.Event()
        if self.socket.fileno() != -1:
            self._shut_down.wait()

    def _request_flush(self):
        """Have the flusher write this connection at the end of the turn, unless it is due
        already or a green thread is draining it."""
        if not (self._flush_due or self._draining):
            self._flush_due = True
            self._flusher.add(self)

    def flush(self):
        """Write the queued frames without blocking; a green thread takes what does not fit."""
        self._flush_due = False
        data = b"".join(self._outgoing)
        self._outgoing = []
        sent = self._send_without_blocking(data)
        if sent < len(data):
            self._draining = True
            eventlet.spawn_n(self._drain, data[sent:])
        elif self._closing:
            eventlet.spawn_n(self._shut)

    def _send_without_blocking(self, data):
        """Bytes of data the kernel took at once; all of it, as if sent, once broken."""
        if not data or self._broken:
            return len(data)
        try:
            return self.socket.fd.send(data)
        except BlockingIOError:
            return 0
        except OSError:
            self._broken = True
            return len(data)

    def _drain(self, data):
        """Wait until the client takes data and whatever is queued meanwhile, then shut if the
        connection is closing (the socket's timeout bounds the wait)."""
        try:
            while data:
                self.socket.sendall(data)
                data = b"".join(self._outgoing)
                self._outgoing = []
        except OSError:
            self._broken = True
            self._outgoing = []
        self._draining = False
        if self._closing:
            self._shut()

    def _shut(self):
        """Shut and close the socket, which ends the reader's wait as well."""
        if self._shut_started:
            return
        self._shut_started = self._broken = True
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_WR)
        if self._on_end is not None:
            self._end()
        self.socket.close()
        if self._shut_down is not None:
            self._shut_down.send()

    def detached(self):
        """This connection on a duplicate of its socket, so that the request's green thread
        can end (the server closes its own copy then) while the connection lives on."""
        duplicate = GreenSocket(self.socket.fd.dup())
        duplicate.settimeout(self.socket.gettimeout())
        hubs.notify_opened(duplicate.fileno())
        twin = copy.copy(self)
        twin.socket = duplicate
        for name in EVENTLET_READER_STATE:
            vars(twin).pop(name, None)
        QueuedWebSocket.adopt(twin, self._tally)
        for frame in self._outgoing:
            twin.send_frame(frame)
        self._outgoing = []
        self.websocket_closed = True  # so eventlet sends no closing frame on the old copy
        return twin

    def read_from_hub(self, on_message, on_end):
        """Hand each message to on_message as it arrives, and call on_end once when the
        connection ends, without a green thread waiting in between."""
        self._on_message, self._on_end = on_message, on_end
        self._reader = MessageReader(self.max_frame_length)
        self._listener = self._ended = None
        self._tally.on_the_event_loop += 1
        self._wait_readable()

    def _wait_readable(self):
        """Have the hub call back once the socket has bytes to read, or has closed."""
        if self._ended:
            return
        hub = hubs.get_hub()
        self._listener = hub.add(
            hub.READ, self.socket.fileno(), self._readable, self._obsolete, lambda: None
        )

    def _stop_listening(self):
        """Take the hub's read callback away, if it is set."""
        if self._listener is not None:
            hubs.get_hub().remove(self._listener)
            self._listener = None

    def _readable(self, fileno):
        """Hub callback: read in a green thread, which the hub must not wait for."""
        self._stop_listening()
        eventlet.spawn_n(self._read_some)

    def _obsolete(self, error):
        """Hub callback for a socket closed under the listener: the connection is over."""
        self._listener = None
        eventlet.spawn_n(self._end)

    def _read_some(self):
        """Take what has arrived, act on everything it completes, then wait for more."""
        try:
            data = self.socket.fd.recv(READ_CHUNK)
        except BlockingIOError:
            return self._wait_readable()
        except OSError:
            return self._end()
        try:
            received = self._reader.feed(data) if data else None
        except ProtocolFailure as failure:
            self.close((failure.code, failure.reason))
            return self._end()
        if received is None or not all(self._act_on(item) for item in received):
            return self._end()
        self._wait_readable()

    def _act_on(self, item):
        """Pass a message on, answer a ping, or close as the client asked; False once the
        connection is over."""
        if isinstance(item, (str, bytes)):
            return self._on_message(item)
        if isinstance(item, Ping):
            self.send(item.payload, control_code=Opcode.PONG)
            return True
        self.close()
        return False

    def _end(self):
        """Stop reading and tell the owner that the connection is over, once; then let go
        of the owner's callbacks and the frame parser."""
        if not self._ended:
            self._ended = True
            self._tally.on_the_event_loop -= 1
            self._stop_listening()
            self._on_end()
            # Each is a reference cycle (this connection and its Engine.IO socket hold each
            # other, wsproto's parser holds its own generator): left in place, a closed
            # connection waited for a full pass of the cycle collector to be freed.
            self._on_message = self._on_end = self._reader = None


class TurnFlusher:
    """Writes every connection that queued frames during a turn of the event loop, once the
    turn is over: one timer per turn for all of them, not a wake-up per frame."""

    _by_hub = {}

    def __init__(self, hub):
        self.hub = hub
        self.pending = []

    @classmethod
    def current(cls):
        """The flusher of this thread's hub."""
        hub = hubs.get_hub()
        flusher = cls._by_hub.get(hub)
        if flusher is None:
            flusher = cls._by_hub[hub] = cls(hub)
        return flusher

    def add(self, connection):
        """Flush connection at the end of this turn."""
        if not self.pending:
            self.hub.schedule_call_global(0, self.flush_all)
        self.pending.append(connection)

    def flush_all(self):
        """Flush every connection added since the last turn (runs in the hub)."""
        pending, self.pending = self.pending, []
        for connection in pending:
            connection.flush()


class QueuedWebSocketWSGI(HardenedWebSocketWSGI):
    """The hardened endpoint, handing out queued connections on a plain socket and blocking
    ones where TLS sits in between."""

    def _handle_hybi_request(self, environ):
        """Complete the handshake as eventlet does, then adopt the connection."""
        connection = super()._handle_hybi_request(environ)
        if type(connection.socket) is GreenSocket:
            QueuedWebSocket.adopt(connection, self.tally)
        return connection


class UntimedQueue(queue.Queue):
    """Engine.IO's queue of packets for a connection, waited on without a timer per wait.

    Engine.IO's writer waits for each next packet with a timeout of ping_interval plus
    ping_timeout, so eventlet schedules and cancels a hub timer for every packet delivered.
    The timeout decides nothing: a live connection is queued a ping every ping_interval, and
    one that stops answering is closed by Engine.IO's service task, which queues the None
    that ends the wait.
    """

    def get(self, block=True, timeout=None):
        """The next item; blocks until there is one when block is true, whatever timeout says."""
        return super().get(block)
