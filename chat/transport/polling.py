"""Every long-polling request is answered in bounded time.

- When a polling POST carries a packet no client may send (OPEN, PING, NOOP or an unknown
  type), Engine.IO disconnects the session, and its disconnect waits, with no time limit,
  until the client has collected every packet still queued: a poll a hostile client never
  makes, and that even an honest client's waiting poll does not complete (it puts the end
  marker back for a next poll, which then finds the session closed). Each such request held
  its connection, file descriptor and green thread for good. Here the disconnect closes the
  session at once; a poll already waiting still gets its last packets.
- Polls of one session that overlap wait on the same queue, and when the session closes the
  end marker reaches one or two of them: the others wait on, up to ping_interval +
  ping_timeout with Engine.IO's queue, and without end on the fast path's untimed one.
  Clients never overlap their polls (Engine.IO's reference server refuses it too), so a
  second poll while one waits is refused.
"""

import functools

from .guards import close_connection
from .wsgi import asks_to_upgrade, refuse, session_id


def close_without_waiting(engineio_server):
    """Make Engine.IO's disconnect close sessions without waiting for their clients."""
    engineio_server.disconnect = functools.partial(disconnect, engineio_server)


def disconnect(engineio_server, sid=None):
    """Close one session, or every session, and forget it."""
    sids = [sid] if sid is not None else list(engineio_server.sockets)
    for closing in sids:
        close_connection(engineio_server, closing)
        engineio_server.sockets.pop(closing, None)


class OnePollAtATime:
    """Engine.IO's request handler, refusing a poll for a session that has one waiting."""

    def __init__(self, engineio_server):
        self.handle_request = engineio_server.handle_request
        self.waiting = set()
        engineio_server.handle_request = self.handle

    def handle(self, environ, start_response):
        """Handle a request, unless it is a poll that would wait beside another."""
        sid = session_id(environ)
        if sid is None or environ["REQUEST_METHOD"] != "GET" or asks_to_upgrade(environ):
            return self.handle_request(environ, start_response)
        if sid in self.waiting:
            return refuse(start_response, "400 Bad Request", "A poll for this session is waiting.")
        self.waiting.add(sid)
        try:
            return self.handle_request(environ, start_response)
        finally:
            self.waiting.discard(sid)
