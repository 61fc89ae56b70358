"""Redis as the cluster layer reaches it: every call bounded in time, and an outage noticed
once, answered at once while it lasts, and ended by a background probe.

A Redis that stops answering (frozen, overloaded, cut off) must not stall the handlers that
ask it something: the first call that waits out the timeout marks Redis unreachable, the
calls after it fail at once, and a background task pings Redis until it answers again.
"""

import logging
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# What a Redis that is down, frozen or cut off raises; anything else is a bug, not an outage.
OUTAGE_ERRORS = (redis.ConnectionError, redis.TimeoutError)
PROBE_INTERVAL = 1.0


class RedisUnavailable(Exception):
    """Redis did not answer within the timeout, or is known to be unreachable right now."""


def bounded_client(url, timeout, **options):
    """A Redis client whose connects and replies wait at most timeout seconds, never retried."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        **options,
    )


class Outage:
    """One warning when Redis is lost and one line when it is back, however many calls fail."""

    def __init__(self, what):
        self.what = what
        self.since = None
        self._lock = threading.Lock()

    @property
    def ongoing(self):
        """Whether Redis is unreachable as far as this outage knows."""
        return self.since is not None

    def began(self, error):
        """Note a failed call; True when it starts the outage (the others are already known)."""
        with self._lock:
            if self.since is not None:
                return False
            self.since = time.monotonic()
        logger.warning("Redis unreachable (%s: %s): %s", type(error).__name__, error, self.what)
        return True

    def ended(self, detail=""):
        """Note a successful call; the first one after an outage logs how long it lasted."""
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            logger.warning("Redis reachable again after %.1f s%s", time.monotonic() - since, detail)


class RedisLink:
    """A Redis client shared by the cluster's parts, failing fast while Redis is unreachable."""

    def __init__(self, url, timeout, runtime):
        self.redis = bounded_client(url, timeout, decode_responses=True)
        self.runtime = runtime
        self.outage = Outage(
            "nicknames, members and rooms are answered by this process alone, new nicknames "
            "are refused and kicks reach this process only, until it is back"
        )
        self._reconnected = []

    def call(self, function, *arguments, **keywords):
        """function(*arguments, **keywords), which talks to Redis; RedisUnavailable at once
        during an outage, or after the timeout when Redis does not answer."""
        if self.outage.ongoing:
            raise RedisUnavailable("Redis is unreachable")
        try:
            return function(*arguments, **keywords)
        except OUTAGE_ERRORS as error:
            self.lost(error)
            raise RedisUnavailable(str(error)) from error

    def lost(self, error):
        """Note that a call failed for want of Redis; the first failure starts the probe."""
        if self.outage.began(error):
            self.runtime.spawn(self._probe)

    def when_reachable_again(self, callback):
        """Call callback() each time Redis answers again after an outage."""
        self._reconnected.append(callback)

    def _probe(self):
        """Background task: ping Redis until it answers, then end the outage."""
        while True:
            self.runtime.sleep(PROBE_INTERVAL)
            try:
                self.redis.ping()
            except OUTAGE_ERRORS:
                continue
            self.outage.ended()
            for callback in self._reconnected:
                callback()
            return
