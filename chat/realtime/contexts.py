"""The Flask app class, whose request contexts for Socket.IO events skip URL routing.

Flask-SocketIO runs each event's handler in a request context made from the connection's
HTTP request, whose path is always the Socket.IO path; on every push Flask matched that
path against each URL rule, found no view and built a 404 to keep: half of what the
context cost (about 50 of 100 µs per event). No event handler builds or reads URLs, so
their contexts get no URL adapter (`url_for` needs a page request, or SERVER_NAME).
"""

from flask import Flask

# Where Socket.IO is served; Engine.IO takes every request below it, so no page has it.
SOCKETIO_PATH = "socket.io"
_EVENT_PREFIX = f"/{SOCKETIO_PATH}/"


class ChatFlask(Flask):
    """Flask, without a URL adapter in the request contexts of Socket.IO events."""

    def create_url_adapter(self, request):
        """No adapter for a context on the Socket.IO path; Flask's own for anything else."""
        if request is not None and request.environ.get("PATH_INFO", "").startswith(_EVENT_PREFIX):
            return None
        return super().create_url_adapter(request)
