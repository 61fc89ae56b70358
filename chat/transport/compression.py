"""WebSocket compression policy: decline permessage-deflate unless configured on.

Browsers offer permessage-deflate on every WebSocket, and eventlet accepts any offer it
is given. Chat frames are small, so compressing them saves few bytes, while the server
pays a zlib stream per connection (most of an idle connection's memory) and a separate
compression of every broadcast for every recipient. Socket.IO 4 leaves it off by default
for the same reasons. Removing the offer from the upgrade request makes the handshake
answer without the extension, which RFC 6455 clients accept as a declined offer.
"""


class DeclineCompression:
    """WSGI middleware removing the extension offer from WebSocket upgrade requests."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        """Pass the request on, without its Sec-WebSocket-Extensions header if it upgrades."""
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)
