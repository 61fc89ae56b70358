"""Default settings; every one can be overridden by a FLASK_-prefixed environment variable."""

import os

from .instance import StartupError


class Config:
    """Safe defaults: an embedded SQLite database, same-origin sockets, rate limiting on."""

    # Path of the SQLite history database (empty: `chat.sqlite3` in the instance folder), or a
    # PostgreSQL URL, postgresql://user:password@host:port/database, for several hosts.
    DATABASE = ""
    # SQLite: "NORMAL" survives a crashed or killed process; "FULL" also survives power loss.
    DATABASE_SYNCHRONOUS = "NORMAL"
    # PostgreSQL: most connections a process opens for reads (the writer has one of its own).
    DATABASE_POOL_SIZE = 10
    # Extra origins allowed to open a socket; the same origin is always allowed.
    CORS_ALLOWED_ORIGINS: list[str] = []
    # e.g. "redis://127.0.0.1:6379/0" to share rooms and broadcasts between processes.
    MESSAGE_QUEUE = ""
    # Forced async mode; empty means eventlet when an entry point patched it, else threading.
    ASYNC_MODE = ""
    # With a Redis MESSAGE_QUEUE: seconds a process's users stay listed after it dies without
    # a goodbye (SIGKILL, power loss), long enough for them to reconnect to another process.
    PRESENCE_TTL = 15
    # With a Redis MESSAGE_QUEUE: seconds any Redis call may wait for an answer. A Redis that
    # does not answer in time is taken for unreachable until it answers a ping again: answers
    # then come from this process alone and broadcasts to the others wait (docs/deployment.md).
    REDIS_TIMEOUT = 1.0
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = 0
    # Host names the chat answers to, e.g. ["chat.example.com"] (".example.com" allows its
    # subdomains); any other Host is refused with 400. Empty allows any.
    ALLOWED_HOSTS: list[str] = []
    # Socket.IO sessions one address may have handshaken but not yet connected; a handshake
    # over it is refused with 429. 0 lifts the cap. High enough for load tests from one
    # address; behind a proxy that reports client addresses, 50 (docs/deployment.md).
    OPENING_SESSIONS_PER_ADDRESS = 1000
    HISTORY_LIMIT = 50
    # Members a join's ack, or one `members` page, names (the count is always exact). A room
    # with more members gets its joins and departures as one gathered `members changed` per
    # interval instead of a notice per person (chat/realtime/announcer.py).
    MEMBERS_PAGE = 100
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
    # Heavy reads (full-text searches, lists of conversations with their unread counts) and
    # passphrases set (each hashed at a cost, by design): limits of their own.
    HEAVY_READ_RATE_LIMIT = 2
    HEAVY_READ_RATE_BURST = 10
    PASSPHRASE_RATE_LIMIT = 0.1
    PASSPHRASE_RATE_BURST = 3
    EVENT_RATE_LIMIT = 50
    EVENT_RATE_BURST = 200
    FLOOD_REFUSALS = 20
    FLOOD_WINDOW = 10
    # New rooms (no one in them, no history) one user, and one address, may create per
    # ROOM_CREATION_WINDOW seconds, so that nobody can inflate the room directory.
    ROOMS_CREATED_PER_USER = 10
    ROOMS_CREATED_PER_ADDRESS = 30
    ROOM_CREATION_WINDOW = 600
    # Pictures (chat/core/images.py): the largest upload in bytes; the most pixels, every
    # frame of an animation counted, checked before decoding (a decompression bomb's); uploads
    # per person per second, sustained and as a burst; seconds an upload may take to arrive.
    PICTURE_MAX_BYTES = 10_000_000
    PICTURE_MAX_PIXELS = 40_000_000
    PICTURE_RATE_LIMIT = 0.2
    PICTURE_RATE_BURST = 5
    PICTURE_READ_SECONDS = 60
    PING_INTERVAL = 25
    PING_TIMEOUT = 20
    # Days a nickname stays reserved to the browser session or client key that last held it,
    # after it leaves; meanwhile nobody else can take it (its owner may reclaim it on another
    # device with its passphrase).
    NICKNAME_RESERVATION_DAYS = 30
    # Token the operators' page must present to connect to `/admin` (at least 16 characters,
    # e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`); empty disables it.
    ADMIN_TOKEN = ""
    # Seconds between the live figures pushed to connected operators.
    ADMIN_REFRESH_INTERVAL = 1.0
    # Seconds between the samples (messages per second, users online) of the operators' chart,
    # which shows the last hour of them.
    ADMIN_SAMPLE_INTERVAL = 10.0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None


def typed(config):
    """Give each setting from the environment the type of its default, or raise StartupError.

    Flask parses FLASK_* values as JSON where it can, so an all-digit token arrives as a
    number: text settings get the variable's own text back. Numbers stay numbers, lists lists;
    a value of the wrong kind stops the start with one line saying which variable is wrong.
    """
    for name in dir(Config):
        default = getattr(Config, name)
        if not name.isupper() or default is None:
            continue
        value = config[name]
        if isinstance(default, str) and not isinstance(value, str):
            config[name] = os.environ.get(f"FLASK_{name}", str(value))
        elif not _same_kind(value, default):
            given = os.environ.get(f"FLASK_{name}", value)
            raise StartupError(f"FLASK_{name} must be {_kind(default)}, not {given!r}")


def _same_kind(value, default):
    """Whether value can stand for default: numbers for numbers (never true or false)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def _kind(default):
    """How a setting's kind is named in an error."""
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int | float):
        return "a number"
    return "a JSON list" if isinstance(default, list) else type(default).__name__
