"""The chat services of one app, as one typed object, and how handlers and views reach them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from flask import Config

    from .core.identities import Identities
    from .core.pictures import Pictures
    from .core.presence import Presence
    from .core.ratelimit import Quotas, RateLimiter
    from .core.stats import Stats
    from .core.store import HistoryStore
    from .core.writer import GroupCommitWriter
    from .realtime.announcer import Announcer
    from .realtime.nicknames import Reclaims


@dataclass
class Services:
    """What the handlers and views of one app work with; made by `create_app`."""

    config: Config
    store: HistoryStore
    writer: GroupCommitWriter
    presence: Presence
    announcer: Announcer
    stats: Stats
    limiter: RateLimiter
    # Rooms each user and address may still create; None when rate limits are off.
    room_creation: Quotas | None
    # Closes an Engine.IO connection at once, without waiting for its client.
    close_connection: Callable[[str], None]
    # How the transport serves sockets (fast path on or off, and the evidence), for operators.
    transport_status: Callable[[], dict]
    # Runs blocking work (a search on SQLite) in a thread under eventlet, where it holds
    # nobody else up; in place under threading.
    run_blocking: Callable[[Callable], object]
    # Each socket's identity, and the nicknames reserved to their owners.
    identities: Identities
    # Drops a reclaimed nickname's former sockets, on every process.
    reclaims: Reclaims
    # Pictures uploaded, announced and served.
    pictures: Pictures


def services() -> Services:
    """The chat services of the current app."""
    return current_app.extensions["chat"]
