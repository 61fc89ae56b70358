"""The session interface: the cookie session of HTTP requests, Secure over TLS, and reused by
Socket.IO events."""

from flask import request
from flask.sessions import SecureCookieSessionInterface

# Where Flask-SocketIO keeps a connection's copy of the session, taken at connect.
SAVED_SESSION = "saved_session"


class ChatSessionInterface(SecureCookieSessionInterface):
    """A cookie session marked Secure whenever the request came over https, and handed to a
    connected socket's events without decoding the cookie again.

    Flask opens the session whenever a request context is pushed, and Flask-SocketIO pushes
    one per event, then swaps in the session it saved at connect. Handing over that saved
    session directly spares each event a scan of the headers and a cookie signature check.
    """

    def get_cookie_secure(self, app):
        """Secure if configured, or if this request (as seen through the proxy) is https."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def open_session(self, app, request):
        """The socket's saved session when there is one, else the cookie's session."""
        saved = request.environ.get(SAVED_SESSION)
        return saved if saved is not None else super().open_session(app, request)
