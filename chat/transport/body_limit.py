"""A limit on HTTP request bodies, applied before Engine.IO reads them.

Engine.IO answers a long-polling POST above the size limit by closing the session (and used
to wait for the client to collect its last packets, see polling.py). BodyLimit answers 413
before anything reads the body, on every path but those whose app bounds the body itself
(an upload of pictures, read a chunk at a time up to its own limit), and leaves the session
alone.
"""

from .wsgi import refuse


class BodyLimit:
    """WSGI middleware refusing any request whose declared body is above `limit` bytes, but
    on the paths in `own_bounds`."""

    def __init__(self, app, limit, own_bounds=()):
        self.app = app
        self.limit = limit
        self.own_bounds = frozenset(own_bounds)

    def __call__(self, environ, start_response):
        """Answer 413 (or 400 for a nonsensical length) without reading the body."""
        declared = environ.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit():
            return refuse(start_response, "400 Bad Request", "Invalid Content-Length.")
        if int(declared) > self.limit and environ.get("PATH_INFO") not in self.own_bounds:
            return refuse(start_response, "413 Content Too Large", "Request body too large.")
        return self.app(environ, start_response)
