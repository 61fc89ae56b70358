"""A limit on HTTP request bodies, applied before Engine.IO reads them.

A long-polling POST above the size limit makes Engine.IO close the session and wait, with no
time limit, for the client to collect its last packets: a client that never does holds a
connection and a green thread forever. BodyLimit answers 413 before Engine.IO sees it.
"""


class BodyLimit:
    """WSGI middleware refusing any request whose declared body is above `limit` bytes."""

    def __init__(self, app, limit):
        self.app = app
        self.limit = limit

    def __call__(self, environ, start_response):
        """Answer 413 (or 400 for a nonsensical length) without reading the body."""
        declared = environ.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit():
            return _refuse(start_response, "400 Bad Request", b"Invalid Content-Length.\n")
        if int(declared) > self.limit:
            return _refuse(start_response, "413 Content Too Large", b"Request body too large.\n")
        return self.app(environ, start_response)


def _refuse(start_response, status, body):
    """A short plain-text refusal that closes the connection (its body is left unread)."""
    start_response(status, [("Content-Type", "text/plain"), ("Connection", "close")])
    return [body]
