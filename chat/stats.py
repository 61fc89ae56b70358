"""Operations figures of this process, and the feed that pushes them to watching operators.

Every figure is per process: presence and counters live in memory, so with several
processes behind a message queue each one reports its own users, rooms and rate.
"""

import os
import socket
import threading
import time
import uuid
from collections import deque

# Messages per second is averaged over this many whole seconds, the current one excluded.
RATE_WINDOW = 5
# Most users, rooms, and members per room named in one snapshot; the counts stay exact.
LISTED = 500
MEMBERS_LISTED = 50


class Stats:
    """Counters the chat updates cheaply on every message and the live feed reads."""

    def __init__(self):
        self.started = time.monotonic()
        self.messages = 0
        self._per_second = deque(maxlen=RATE_WINDOW + 1)
        self._lock = threading.Lock()

    def count_message(self):
        """Note one newly stored message: O(1), whatever the number of users."""
        second = int(time.monotonic())
        with self._lock:
            self.messages += 1
            if self._per_second and self._per_second[-1][0] == second:
                self._per_second[-1][1] += 1
            else:
                self._per_second.append([second, 1])

    def messages_per_second(self):
        """Messages stored per second over the last RATE_WINDOW whole seconds."""
        current = int(time.monotonic())
        with self._lock:
            recent = sum(
                count
                for second, count in self._per_second
                if current - RATE_WINDOW <= second < current
            )
        return recent / RATE_WINDOW

    def uptime(self):
        """Seconds since this process created the app."""
        return time.monotonic() - self.started


class LiveFeed:
    """Sends a snapshot of this process to its operators every interval while any watch.

    The pushing task starts with the first operator and ends when the last one leaves.
    Snapshots go to a room only this process's operators are in, so with a message queue
    an operator never receives another process's figures under this process's name.
    """

    def __init__(self, server, namespace, presence, stats, interval):
        self.server = server
        self.namespace = namespace
        self.presence = presence
        self.stats = stats
        self.interval = interval
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self.room = f"watching {uuid.uuid4().hex}"
        self._watchers = set()
        self._running = False
        self._lock = threading.Lock()

    def watch(self, sid):
        """Send an operator's socket a snapshot now and from then on every interval."""
        self.server.enter_room(sid, self.room, namespace=self.namespace)
        self.server.emit("stats", self.snapshot(), to=sid, namespace=self.namespace)
        with self._lock:
            self._watchers.add(sid)
            start, self._running = not self._running, True
        if start:
            self.server.start_background_task(self._push_while_watched)

    def unwatch(self, sid):
        """Stop counting an operator's socket that went away."""
        with self._lock:
            self._watchers.discard(sid)

    def _push_while_watched(self):
        """Background task: push a snapshot every interval until nobody watches."""
        while True:
            self.server.sleep(self.interval)
            with self._lock:
                if not self._watchers:
                    self._running = False
                    return
            self.server.emit("stats", self.snapshot(), to=self.room, namespace=self.namespace)

    def snapshot(self):
        """What the operators' page shows: users, rooms and members, rate, uptime, mode."""
        users, rooms = self.presence.snapshot()
        return {
            "process": self.process,
            "async_mode": self.server.async_mode,
            "uptime": round(self.stats.uptime(), 1),
            "messages": self.stats.messages,
            "messages_per_second": self.stats.messages_per_second(),
            "user_count": len(users),
            "users": users[:LISTED],
            "room_count": len(rooms),
            "rooms": [
                {"name": name, "member_count": len(members), "members": members[:MEMBERS_LISTED]}
                for name, members in rooms[:LISTED]
            ],
        }
