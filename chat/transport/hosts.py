"""An optional allowlist of the Host names the chat answers to.

A page on a hostile site can have its own name resolve to this server's address (DNS
rebinding): the browser then treats the chat as that site, same origin and all, and
Socket.IO's origin check compares the page's Origin with a Host that matches it. Answering
only the names the chat is published under closes that path, on every URL, Engine.IO's
included. Behind a proxy the Host is the one ProxyFix took from it (FLASK_TRUSTED_PROXIES).
"""

from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from .wsgi import refuse


class AllowedHosts:
    """WSGI middleware answering 400 to a request for a Host not in `hosts`; an entry
    starting with a dot allows every subdomain, and ports are not compared."""

    def __init__(self, app, hosts):
        self.app = app
        self.hosts = hosts

    def __call__(self, environ, start_response):
        """Pass the request on if its Host is allowed."""
        try:
            get_host(environ, self.hosts)
        except SecurityError:
            return refuse(start_response, "400 Bad Request", "Unknown host.")
        return self.app(environ, start_response)
