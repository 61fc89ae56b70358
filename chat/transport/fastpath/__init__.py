"""The eventlet fast path: Engine.IO's sockets and WebSockets served from the event loop."""

from .sockets import install

__all__ = ["install"]
