"""The session interface: the cookie session of HTTP requests, reused by Socket.IO events."""

from .security import TlsAwareSessionInterface

# Where Flask-SocketIO keeps a connection's copy of the session, taken at connect.
SAVED_SESSION = "saved_session"


class SocketAwareSessionInterface(TlsAwareSessionInterface):
    """Skips decoding the cookie again for each event of a connected socket.

    Flask opens the session whenever a request context is pushed, and Flask-SocketIO pushes
    one per event, then swaps in the session it saved at connect. Handing over that saved
    session directly spares each event a scan of the headers and a cookie signature check.
    """

    def open_session(self, app, request):
        """The socket's saved session when there is one, else the cookie's session."""
        saved = request.environ.get(SAVED_SESSION)
        return saved if saved is not None else super().open_session(app, request)
