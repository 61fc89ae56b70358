"""Browser-facing hardening: security headers, the secret key, and a session cookie that is
Secure whenever the request came over TLS."""

import os
import secrets

from flask import request
from flask.sessions import SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response):
    """Forbid inline script and framing, and keep referrers and MIME types in check."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


class TlsAwareSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure when configured so, or when the request used https."""

    def get_cookie_secure(self, app):
        """Secure if configured, or if this request (as seen through the proxy) is https."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def instance_secret_key(instance_path):
    """The secret key kept in the instance folder, generated on first use."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as file:
            return file.read().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(key)
        return key
