"""gunicorn settings, read from the working directory (or with -c) for `gunicorn app:app`."""

import gc
import os
import signal
import socket
import warnings

# Eventlet announces its deprecation when the worker imports it; hide that noise in the logs.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

worker_class = "eventlet"
# Flask-SocketIO keeps a socket's state in the process that accepted it: one worker each,
# more processes go behind a sticky load balancer with a message queue.
workers = 1
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Counts connections still in HTTP: handshakes and long-polling requests (an upgraded
# WebSocket leaves gunicorn's pool, see chat/eventlet_socket.py). gunicorn's default of 1000
# would hold back a burst of connects.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "20000"))
# Short, so a stopping process tells its clients to reconnect elsewhere instead of holding them.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "5"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Each connection holds objects the cycle collector walks in every full collection; with the
# default (700, 10, 10) a full pass ran every few hundred connects and took about a third of
# the worker's time while 10,000 users connected. Young cycles are still collected as often.
gc.set_threshold(700, 10, 100)
# gunicornc's control socket sits at one path per user, which several instances on a host
# would share; under eventlet it also holds up the master's shutdown by two seconds.
control_socket_disable = True


def post_fork(server, worker):
    """Keep the worker's "eventlet worker is DEPRECATED" banner out of the logs.

    The pin below gunicorn 26 is deliberate (requirements.txt); a warning on every start
    would only teach operators to skip warnings.
    """
    worker.log.error_log.addFilter(
        lambda record: "eventlet worker is DEPRECATED" not in record.getMessage()
    )


def post_worker_init(worker):
    """On SIGTERM, also hand the worker's clients over to the other processes at once.

    gunicorn alone stops accepting and then waits out graceful_timeout for connections that
    never end by themselves; see chat/shutdown.py.
    """
    # Imported here, once the worker has loaded the app: gunicorn reads this file before
    # eventlet has patched anything, and a signal handler must not import (SIGTERM comes
    # twice, from the process manager and from the master, and may interrupt an import).
    from chat.extensions import socketio
    from chat.realtime import handover

    stop_accepting = worker.handle_exit
    addresses = [(listener.family, listener.getsockname()) for listener in worker.sockets]

    def still_listening():
        """Whether anything still accepts connections at the worker's addresses."""
        return any(_answers(family, address) for family, address in addresses)

    def handle_exit(signum, frame):
        """Stop accepting, as gunicorn does; on the first SIGTERM also start the hand-over."""
        first_signal = worker.alive
        stop_accepting(signum, frame)
        if first_signal:
            socketio.start_background_task(handover.hand_over_clients, worker.wsgi, still_listening)

    signal.signal(signal.SIGTERM, handle_exit)


def _answers(family, address):
    """Whether anything still accepts connections at address.

    Until both the worker and the master have closed it, a connection there is queued and
    later reset, which the proxy reports as an error rather than trying another process.
    """
    with socket.socket(family) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(address) == 0
