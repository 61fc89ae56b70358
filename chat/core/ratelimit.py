"""Per-connection rate limits: a token bucket for each kind of event, and a flood guard.

A socket sending faster than a bucket refills is refused (the handler acks an error); a
socket that keeps being refused empties its patience, a bucket of refusals, and is
flooding. The state is a few floats per socket, made on connect and dropped on disconnect,
so a check costs a dictionary lookup and some arithmetic.

Events are judged as if read when they were sent. When the process stalls (chat/core/stalls.py),
clients keep sending and their events are read all at once afterwards; so for a while after a
stall every bucket may hold what it would have earned meanwhile, beyond its burst, and a
client that kept to its rate is not refused for the server's pause.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

ALLOWED = "allowed"
REFUSED = "refused"
FLOODING = "flooding"

MESSAGE = "chat message"
TYPING = "typing"
HEAVY_READ = "heavy read"
PASSPHRASE = "passphrase"
OTHER = "other"
_PATIENCE = "patience"
# Seconds after a stall during which its backlog is judged with the credit the stall earned.
STALL_CREDIT_WINDOW = 10.0


@dataclass(frozen=True)
class Limit:
    """A token bucket's shape: `rate` tokens back per second, at most `burst` saved up."""

    rate: float
    burst: float


class _Bucket:
    """The tokens a socket has left for one kind of event."""

    __slots__ = ("tokens", "updated")

    def __init__(self, limit, now):
        self.tokens = limit.burst
        self.updated = now

    def take(self, limit, now, stalled=0.0):
        """Spend a token if there is one; return the seconds until the next one, 0 if spent.

        After `stalled` seconds of recent stall the bucket may hold that much more.
        """
        ceiling = limit.burst + stalled * limit.rate
        self.tokens = min(ceiling, self.tokens + (now - self.updated) * limit.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / limit.rate


class RateLimiter:
    """Token buckets per socket and kind of event; kinds without a limit are always allowed."""

    def __init__(self, limits, flood_refusals, flood_window, clock=time.monotonic, stalls=None):
        self.limits = {kind: limit for kind, limit in limits.items() if limit.rate > 0}
        if self.limits and flood_refusals > 0:
            self.limits[_PATIENCE] = Limit(flood_refusals / flood_window, flood_refusals)
        self.clock = clock
        self.stalls = stalls
        self._sockets = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config, clock=time.monotonic, stalls=None):
        """The limits a Config asks for; `RATE_LIMIT = 0` turns every limit off."""
        if not config["RATE_LIMIT"]:
            return cls({}, 0, 1, clock)
        limits = {
            MESSAGE: Limit(config["RATE_LIMIT"], config["RATE_BURST"]),
            TYPING: Limit(config["TYPING_RATE_LIMIT"], config["TYPING_RATE_BURST"]),
            HEAVY_READ: Limit(config["HEAVY_READ_RATE_LIMIT"], config["HEAVY_READ_RATE_BURST"]),
            PASSPHRASE: Limit(config["PASSPHRASE_RATE_LIMIT"], config["PASSPHRASE_RATE_BURST"]),
            OTHER: Limit(config["EVENT_RATE_LIMIT"], config["EVENT_RATE_BURST"]),
        }
        return cls(limits, config["FLOOD_REFUSALS"], config["FLOOD_WINDOW"], clock, stalls)

    def admit(self, sid):
        """Give a newly connected socket full buckets."""
        if self.limits:
            now = self.clock()
            self._sockets[sid] = {kind: _Bucket(limit, now) for kind, limit in self.limits.items()}

    def forget(self, sid):
        """Drop a disconnected socket's buckets."""
        self._sockets.pop(sid, None)

    def check(self, sid, kind):
        """(ALLOWED, 0), or (REFUSED or FLOODING, seconds until a retry may succeed)."""
        limit = self.limits.get(kind)
        if limit is None:
            return ALLOWED, 0.0
        with self._lock:
            buckets = self._sockets.get(sid)
            if buckets is None:
                # Only a handler that outlived its socket's disconnect gets here.
                return REFUSED, 0.0
            now = self.clock()
            stalled = self._recently_stalled(now)
            wait = buckets[kind].take(limit, now, stalled)
            if not wait:
                return ALLOWED, 0.0
            patience = self.limits.get(_PATIENCE)
            if patience is not None and buckets[_PATIENCE].take(patience, now, stalled):
                return FLOODING, wait
            return REFUSED, wait

    def _recently_stalled(self, now):
        """Seconds the process stalled within the credit window before now."""
        if self.stalls is None:
            return 0.0
        return self.stalls.stalled_between(now - STALL_CREDIT_WINDOW, now)

    def tracked(self):
        """How many sockets have buckets right now."""
        return len(self._sockets)


class Quotas:
    """Token buckets for something rarer than events, such as creating rooms, one per key of
    each kind (a user, an address), every kind with its own limit. The least recently used
    keys are forgotten beyond `capacity`."""

    def __init__(self, limits, clock=time.monotonic, capacity=100_000):
        self.limits = limits
        self.clock = clock
        self.capacity = capacity
        self._buckets = OrderedDict()
        self._lock = threading.Lock()

    def take(self, **keys):
        """Spend a token from the bucket of each kind's key and return 0; or, when one of them
        is empty, spend none and return the seconds until all have a token again."""
        with self._lock:
            now = self.clock()
            taken = [
                (self._bucket(kind, key, now), self.limits[kind]) for kind, key in keys.items()
            ]
            waits = [bucket.take(limit, now) for bucket, limit in taken]
            if not any(waits):
                return 0.0
            for (bucket, _), wait in zip(taken, waits, strict=True):
                if not wait:
                    bucket.tokens += 1
            return max(waits)

    def _bucket(self, kind, key, now):
        """The bucket of a kind's key, made full on first use."""
        bucket = self._buckets.get((kind, key))
        if bucket is None:
            bucket = self._buckets[kind, key] = _Bucket(self.limits[kind], now)
            while len(self._buckets) > self.capacity:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end((kind, key))
        return bucket

    @classmethod
    def for_room_creation(cls, config, clock=time.monotonic):
        """Rooms a user, and an address, may create per window; None when limits are off."""
        if not config["RATE_LIMIT"]:
            return None
        window = config["ROOM_CREATION_WINDOW"]
        per_user, per_address = (
            config["ROOMS_CREATED_PER_USER"],
            config["ROOMS_CREATED_PER_ADDRESS"],
        )
        return cls(
            {
                "user": Limit(per_user / window, per_user),
                "address": Limit(per_address / window, per_address),
            },
            clock,
        )

    @classmethod
    def for_picture_uploads(cls, config, clock=time.monotonic):
        """Pictures each holder may upload: PICTURE_RATE_LIMIT per second sustained,
        PICTURE_RATE_BURST at once; None when rate limits are off."""
        if not config["RATE_LIMIT"]:
            return None
        limit = Limit(config["PICTURE_RATE_LIMIT"], config["PICTURE_RATE_BURST"])
        return cls({"user": limit}, clock)
