"""Browser-facing hardening: the Content-Security-Policy and the other security headers."""

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

# Forbid inline script and framing, and keep referrers and MIME types in check.
SECURITY_HEADERS = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
]


class SecurityHeaders:
    """WSGI middleware giving every response the security headers it does not set itself:
    pages, Engine.IO's answers and the refusals of the guards below Flask alike."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        """Pass the request on, adding the missing headers to the response's."""

        def start_secured_response(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            missing = [header for header in SECURITY_HEADERS if header[0].lower() not in present]
            return start_response(status, headers + missing, exc_info)

        return self.app(environ, start_secured_response)
