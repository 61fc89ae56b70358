"""A cap, per client address, on the Engine.IO sessions being opened.

A handshake costs the server a session (about 10 KiB) until the client connects to a
Socket.IO namespace, or until Engine.IO gives up on it after a missed ping (45 to 70 s); a
session whose client answers pings but never connects lasts as long as it likes. Honest
clients connect within a round trip of their handshake, so an address holding many sessions
that have not is refused more: 429, until some connect or close. Connected sessions do not
count, so any number of people may share an address. The address is the one ProxyFix
found behind a trusted proxy (FLASK_TRUSTED_PROXIES).
"""

from collections import Counter

from .wsgi import refuse, session_id

TOO_MANY = "Too many connections being opened from your address; try again shortly."


class OpeningLimit:
    """Counts each address's sessions from handshake to namespace connect, and refuses
    handshakes over `per_address`."""

    def __init__(self, server, per_address):
        self.server = server
        self.per_address = per_address
        self.opening = {}  # Engine.IO session id -> client address
        self.counts = Counter()
        engine = server.eio
        self.handle_request = engine.handle_request
        engine.handle_request = self.handle
        self.handlers = dict(engine.handlers)
        engine.on("connect", self.on_connect)
        engine.on("message", self.on_message)
        engine.on("disconnect", self.on_disconnect)

    def handle(self, environ, start_response):
        """Handle a request, unless it is a handshake from an address at the cap."""
        handshake = environ["REQUEST_METHOD"] == "GET" and session_id(environ) is None
        if handshake and self.counts[_address(environ)] >= self.per_address:
            return refuse(start_response, "429 Too Many Requests", TOO_MANY)
        return self.handle_request(environ, start_response)

    def on_connect(self, eio_sid, environ):
        """A session is open: count it against its address until its client connects."""
        refusal = self.handlers["connect"](eio_sid, environ)
        if refusal is None or refusal is True:
            address = self.opening[eio_sid] = _address(environ)
            self.counts[address] += 1
        return refusal

    def on_message(self, eio_sid, data):
        """Pass the message on; stop counting the session once it has connected."""
        self.handlers["message"](eio_sid, data)
        if eio_sid in self.opening and self._connected(eio_sid):
            self._forget(eio_sid)

    def on_disconnect(self, eio_sid, reason):
        """Pass the close on, and stop counting the session."""
        if eio_sid in self.opening:
            self._forget(eio_sid)
        return self.handlers["disconnect"](eio_sid, reason)

    def _connected(self, eio_sid):
        """Whether the session is connected to a Socket.IO namespace."""
        manager = self.server.manager
        namespaces = list(manager.get_namespaces())
        return any(manager.sid_from_eio_sid(eio_sid, name) for name in namespaces)

    def _forget(self, eio_sid):
        """Take the session off its address's count."""
        address = self.opening.pop(eio_sid)
        self.counts[address] -= 1
        if not self.counts[address]:
            del self.counts[address]


def _address(environ):
    """The client's address, as the outermost trusted proxy (or the socket) reports it."""
    return environ.get("REMOTE_ADDR", "")
