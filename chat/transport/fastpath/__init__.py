"""The eventlet fast path: Engine.IO's sockets and WebSockets served from the event loop.

`verified.py` says whether the installed libraries are the ones it was verified against;
only then, and with FAST_TRANSPORT on, does the transport layer import `sockets.py`, which
attaches it (and imports eventlet).
"""
