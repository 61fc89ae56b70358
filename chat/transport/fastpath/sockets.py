"""Engine.IO's sockets under eventlet, holding no green thread of their own while idle.

Engine.IO gives each connection a green thread that sleeps until its next ping, and each
WebSocket a reader and a writer: three saved stacks per user, most of an idle user's
memory. Here the ping is a hub timer, and an upgraded socket is served by a QueuedWebSocket
(websocket.py), which the event loop reads and writes without them. Imported only under
eventlet, when the fast path is on.
"""

import io
import time

import eventlet
from engineio import exceptions, packet
from engineio import socket as engineio_socket
from eventlet import hubs, queue

from .. import websocket_guard
from .websocket import QueuedWebSocket, QueuedWebSocketWSGI, UntimedQueue

# What a WSGI server puts in the environ that ties it to one request on one socket.
REQUEST_BOUND_KEYS = ("eventlet.input", "gunicorn.socket", "wsgi.file_wrapper")
# Socket.IO events are handled in request contexts built from the environ; none has a body.
NO_BODY = io.BytesIO(b"")
# How long past the ping timeout a silent client's socket is closed: Engine.IO's check
# closes it only once its ping is older than the timeout.
PONG_GRACE = 1.0


class EventletSocket(engineio_socket.Socket):
    """An Engine.IO socket pinged from a hub timer, serving a WebSocket without a writer;
    it times itself out and leaves the server's table of sockets when it closes, the two
    jobs of Engine.IO's service task, which does not run here (see `install`)."""

    def schedule_ping(self):
        """Arm the next ping once the last one is answered, as Engine.IO does, on a timer."""
        if self.last_ping:
            self.last_ping = None
            hubs.get_hub().schedule_call_global(
                self.server.ping_interval, eventlet.spawn_n, self._ping
            )

    def _ping(self):
        """Send a ping, unless the socket closed meanwhile, and look for its pong once the
        client's time to answer is over."""
        if not self.closing and not self.closed:
            self.last_ping = time.time()
            self.send(packet.Packet(packet.PING))
            hubs.get_hub().schedule_call_global(
                self.server.ping_timeout + PONG_GRACE, self._look_for_pong
            )

    def _look_for_pong(self):
        """Hub callback: close the socket, in a green thread, if its last ping went
        unanswered for longer than the ping timeout (a pong clears last_ping)."""
        if self.last_ping and not self.closing and not self.closed:
            eventlet.spawn_n(self._close_if_silent)

    def _close_if_silent(self):
        """Close the socket as Engine.IO's service task does when the client is gone."""
        if not self.closing and not self.closed:
            self.check_ping_timeout()

    def close(self, wait=True, abort=False, reason=None):
        """Close as Engine.IO does, then leave the server's table of sockets."""
        super().close(wait=wait, abort=abort, reason=reason)
        if self.closed:
            self.server.sockets.pop(self.sid, None)

    def _websocket_handler(self, ws):
        """Serve a WebSocket without a writer thread, and under gunicorn without a reader
        thread as well, unless the connection is compressed."""
        if not isinstance(ws, QueuedWebSocket):
            return super()._websocket_handler(ws)
        ws.socket.settimeout(self.server.ping_interval + self.server.ping_timeout)
        if self.connected and not self._upgraded_to(ws):
            return []
        self.connected = self.upgraded = True
        self.server.logger.info("%s: Upgrade to websocket successful", self.sid)
        if ws.extensions or "gunicorn.socket" not in ws.environ:
            # Eventlet's reader handles compression; and eventlet's own server (`python
            # app.py`) shuts a request's connection down once its handler returns.
            self.queue = WebSocketOutbox(ws, self.queue)
            self._read(ws)
            self._transport_closed()
            ws.wait_closed()
            return []
        connection = ws.detached()
        self.queue = WebSocketOutbox(connection, self.queue)
        _release_request(ws.environ)
        connection.read_from_hub(self._receive_message, self._transport_closed)
        return []

    def _upgraded_to(self, ws):
        """Whether a polling client completes the probe and upgrade exchange on ws."""
        self.upgrading = True
        if self._next_packet(ws) != (packet.PING, "probe"):
            self.server.logger.info("%s: Failed websocket upgrade, no PING packet", self.sid)
            self.upgrading = False
            return False
        ws.send(packet.Packet(packet.PONG, data="probe").encode())
        self.queue.put(packet.Packet(packet.NOOP))  # ends the pending poll
        upgraded = self._next_packet(ws)[0] == packet.UPGRADE
        if not upgraded:
            self.server.logger.info("%s: Failed websocket upgrade, no UPGRADE packet", self.sid)
        self.upgrading = False
        return upgraded

    def _next_packet(self, ws):
        """The type and data of the next packet on ws."""
        received = packet.Packet(encoded_packet=self._next_message(ws))
        return received.packet_type, received.data

    def _next_message(self, ws):
        """The next message on ws (None once the client has gone), within the size limit."""
        data = ws.wait()
        if data and len(data) > self.server.max_http_buffer_size:
            raise ValueError("packet is too large")
        return data

    def _read(self, ws):
        """Receive packets in this green thread until the client leaves or the connection
        fails."""
        while True:
            try:
                data = self._next_message(ws)
            except Exception as error:
                self._log_closing(error)
                return
            if data is None or not self._receive_message(data):
                return

    def _receive_message(self, data):
        """Act on one message from the client; False if the connection must end for it."""
        try:
            self.receive(packet.Packet(encoded_packet=data))
        except exceptions.UnknownPacketError:
            return True
        except Exception as error:
            self._log_closing(error)
            return False
        return True

    def _log_closing(self, error):
        """Say why the connection ends, unless it was closed already."""
        if not self.closed:
            self.server.logger.info('%s: "%s", closing connection', self.sid, error)

    def _transport_closed(self):
        """The WebSocket is over: close the connection and the socket."""
        self.queue.put(None)
        self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)


class WebSocketOutbox:
    """Stands in for Engine.IO's packet queue once a socket is on a QueuedWebSocket: each
    packet is framed and queued on the connection at once; None closes it."""

    def __init__(self, ws, earlier):
        self.ws = ws
        self.compressed = "permessage-deflate" in ws.extensions
        for item in _drained(earlier):
            self.put(item)

    def put(self, item):
        """Queue a packet's frame, or close the connection for None."""
        if item is None:
            self.ws.close()
        else:
            self.ws.send_frame(self._frame(item))

    def _frame(self, item):
        """The packet's WebSocket frame. Uncompressed, a broadcast's recipients share one
        Packet and so one frame, built for the first of them."""
        if self.compressed:
            return self.ws._pack_message(item.encode())
        frame = getattr(item, "websocket_frame", None)
        if frame is None:
            frame = item.websocket_frame = self.ws._pack_message(item.encode())
        return frame

    def join(self):
        """Return at once: nothing is held back from the connection here."""


def _release_request(environ):
    """Drop the upgrade request's socket and streams from its environ, which Socket.IO keeps
    for as long as the connection lasts: only the WebSocket uses the socket from now on."""
    for key in REQUEST_BOUND_KEYS:
        environ.pop(key, None)
    environ["wsgi.input"] = NO_BODY


def _drained(earlier):
    """The packets left in Engine.IO's queue, in order."""
    while True:
        try:
            item = earlier.get(block=False)
        except queue.Empty:
            return
        earlier.task_done()
        yield item


class AdoptingSockets(dict):
    """Engine.IO's table of sockets, turning each socket it is given into an EventletSocket
    (Engine.IO builds them from its own class, with no setting to change it)."""

    def __setitem__(self, sid, engine_socket):
        engine_socket.__class__ = EventletSocket
        super().__setitem__(sid, engine_socket)


def install(engineio_server):
    """Give an eventlet Engine.IO server EventletSockets, queued WebSockets and UntimedQueues,
    and no service task; return the Tally of its WebSockets."""
    engineio_server.sockets = AdoptingSockets(engineio_server.sockets)
    # The service task visits every socket once per ping timeout, each visit a wake-up of its
    # own: 500 a second with 10,000 users, idle or not. EventletSockets do its two jobs.
    engineio_server.start_service_task = False
    tally = websocket_guard.install(engineio_server, QueuedWebSocketWSGI)
    engineio_server._async = {**engineio_server._async, "queue": UntimedQueue}
    return tally
