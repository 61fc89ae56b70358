"""Operations figures of this process: messages stored, their rate, uptime.

The counters live in memory. With several processes on one Redis, the operators' page adds
up every process's rate (chat/cluster/shared_figures.py); without one, or while Redis is
unreachable, it shows these.
"""

import threading
import time
from collections import deque

# Messages per second is averaged over this many whole seconds, the current one excluded.
RATE_WINDOW = 5


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
