"""Handing a stopping process's clients over to the processes that stay.

A process manager stops gunicorn with SIGTERM; gunicorn then stops accepting and waits, up
to its graceful timeout, for open requests to finish, which a Socket.IO connection never
does by itself. Dropping the connections instead sends every client straight back through
the proxy, which routes it to a process that is staying.
"""

import time

from ..extensions import socketio

HAND_OVER_INTERVAL = 0.25
# gunicorn's master and worker both stop listening within about a second of SIGTERM.
LONGEST_WAIT_FOR_LISTENERS_TO_CLOSE = 3.0


def hand_over_clients(app, still_listening):
    """Once the server stops accepting, drop every Socket.IO connection until it exits.

    Waiting first means a client reconnecting finds this process refusing, so the proxy
    sends it to another one at once instead of letting it connect here again.
    Dropped as a network failure would drop them, without Engine.IO's close packet: browsers
    reconnect after either, but other clients (python-socketio) take that packet as final.
    Repeated because a request already on its way may still open a session here.
    Shared presence keeps the users listed meanwhile, so nobody sees them leave and return.
    """
    app.extensions["chat"].presence.detach()
    deadline = time.monotonic() + LONGEST_WAIT_FOR_LISTENERS_TO_CLOSE
    while still_listening() and time.monotonic() < deadline:
        socketio.sleep(0.1)
    engine = socketio.server.eio
    while True:
        for connection in list(engine.sockets.values()):
            connection.close(wait=False, abort=True, reason=engine.reason.SERVER_DISCONNECT)
        socketio.sleep(HAND_OVER_INTERVAL)
