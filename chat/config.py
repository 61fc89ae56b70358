"""Default settings; every one can be overridden by a FLASK_-prefixed environment variable."""


class Config:
    """Safe defaults: an embedded SQLite database, same-origin sockets, rate limiting on."""

    # Path of the SQLite history database; empty means `chat.sqlite3` in the instance folder.
    DATABASE = ""
    # "NORMAL" survives a crashed or killed process; "FULL" also survives power loss (slower).
    DATABASE_SYNCHRONOUS = "NORMAL"
    # Extra origins allowed to open a socket; the same origin is always allowed.
    CORS_ALLOWED_ORIGINS: list[str] = []
    # e.g. "redis://127.0.0.1:6379/0" to share rooms and broadcasts between processes.
    MESSAGE_QUEUE = ""
    # Forced async mode; empty means eventlet when an entry point patched it, else threading.
    ASYNC_MODE = ""
    # With a Redis MESSAGE_QUEUE: seconds a process's users stay listed after it dies without
    # a goodbye (SIGKILL, power loss), long enough for them to reconnect to another process.
    PRESENCE_TTL = 15
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = 0
    HISTORY_LIMIT = 50
    CATCH_UP_BATCH = 200
    # Seconds between coalesced broadcasts of the room directory and presence.
    ANNOUNCE_INTERVAL = 1.0
    # Accept WebSocket permessage-deflate when a client offers it (every browser does). Off:
    # chat frames are small, and each compressed connection holds its own zlib state and
    # compresses every broadcast again (see docs/performance.md).
    WEBSOCKET_COMPRESSION = False
    # Under eventlet, serve sockets through the fast path (chat/transport/fastpath/): idle
    # connections without green threads, broadcasts framed once. It stays off by itself
    # when the installed libraries are not the versions it was verified with
    # (docs/upgrading.md); false serves with stock Engine.IO and eventlet.
    FAST_TRANSPORT = True
    # Largest Engine.IO packet accepted, in bytes: a 2000-character message with room for framing.
    MAX_HTTP_BUFFER_SIZE = 64 * 1024
    # Per-connection limits in events per second, sustained and as a burst; a socket refused
    # more than FLOOD_REFUSALS times in about FLOOD_WINDOW seconds is cut off. RATE_LIMIT = 0
    # turns every limit off (benchmarks). RATE_* limit chat messages, TYPING_* typing notices
    # (the page sends one every 2 s at most), EVENT_* every other event (generous: a long
    # catch-up asks for history batch after batch).
    RATE_LIMIT = 5
    RATE_BURST = 10
    TYPING_RATE_LIMIT = 2
    TYPING_RATE_BURST = 5
    EVENT_RATE_LIMIT = 50
    EVENT_RATE_BURST = 200
    FLOOD_REFUSALS = 20
    FLOOD_WINDOW = 10
    PING_INTERVAL = 25
    PING_TIMEOUT = 20
    # Token the operators' page must present to connect to `/admin` (at least 16 characters,
    # e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`); empty disables it.
    ADMIN_TOKEN = ""
    # Seconds between the live figures pushed to connected operators.
    ADMIN_REFRESH_INTERVAL = 1.0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None
