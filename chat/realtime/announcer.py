"""Coalesced broadcasts to every connected socket: the room directory and who came online;
and the notices of a departure.

Sent at once when nothing was sent for `interval` seconds, otherwise gathered and sent
once when the interval is up, so a thousand users connecting cost a handful of
broadcasts instead of a million deliveries. Beyond USERS_PER_INTERVAL users online the
interval grows in proportion, since each broadcast costs one delivery per user: the
deliveries per second these broadcasts take then stay bounded however many are online.
"""

import threading
import time

from ..extensions import socketio

USERS_PER_INTERVAL = 1000


class Announcer:
    """Sends `rooms` and `presence` to everyone, at most once per interval each."""

    def __init__(self, presence, interval):
        self.presence = presence
        self.interval = interval
        self._lock = threading.Lock()
        self._directory_changed = False
        self._online = {}
        self._offline = set()
        self._last_flush = 0.0
        self._flush_scheduled = False

    def directory_changed(self):
        """Note that a room's membership changed."""
        with self._lock:
            self._directory_changed = True
        self._flush_soon()

    def came_online(self, sid, nick):
        """Note that nick connected on sid (who is not told about itself)."""
        with self._lock:
            self._online[nick] = sid
            self._offline.discard(nick)
        self._flush_soon()

    def went_offline(self, nick):
        """Note that nick's last socket disconnected."""
        with self._lock:
            if self._online.pop(nick, None) is None:
                self._offline.add(nick)
        self._flush_soon()

    def departed(self, nick, rooms_left, offline, skip_sid=None):
        """Tell each room nick left (but skip_sid), and everyone if nick went offline."""
        for room in rooms_left:
            socketio.emit("user left", {"room": room, "nick": nick}, to=room, skip_sid=skip_sid)
        if rooms_left:
            self.directory_changed()
        if offline:
            self.went_offline(nick)

    def current_interval(self):
        """Seconds between broadcasts now: the interval, stretched beyond USERS_PER_INTERVAL."""
        return self.interval * max(1.0, self.presence.online_count() / USERS_PER_INTERVAL)

    def _flush_soon(self):
        """Flush now if the interval has passed, else make sure a flush is scheduled."""
        interval = self.current_interval()
        with self._lock:
            wait = self._last_flush + interval - time.monotonic()
            if self._flush_scheduled:
                return
            self._flush_scheduled = wait > 0
        if wait > 0:
            socketio.start_background_task(self._flush_later, wait)
        else:
            self._flush()

    def _flush_later(self, wait):
        """Background task: sleep out the interval, then flush."""
        socketio.sleep(wait)
        with self._lock:
            self._flush_scheduled = False
        self._flush()

    def _flush(self):
        """Send what has gathered since the last flush."""
        with self._lock:
            self._last_flush = time.monotonic()
            directory_changed, self._directory_changed = self._directory_changed, False
            online, self._online = self._online, {}
            offline, self._offline = self._offline, set()
        if online or offline:
            socketio.emit(
                "presence",
                {"online": sorted(online), "offline": sorted(offline)},
                skip_sid=list(online.values()),
            )
        if directory_changed:
            socketio.emit("rooms", self.presence.listing())
