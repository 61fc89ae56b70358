"""When this process stopped serving: event-loop stalls, seen as a heartbeat that came late.

A heartbeat task ticks every `interval` seconds. When it wakes much later than asked, the
process was not serving meanwhile (the event loop was blocked, the machine starved it, or it
was stopped): clients kept sending, their events waited in the socket buffers, and they are
read all at once afterwards. The rate limits ask how long the process stalled within a span,
so that such a backlog is not taken for a burst.
"""

import threading
import time
from collections import deque

# Stalls remembered: enough to cover any bucket that has not been refilled since.
REMEMBERED = 64


class StallWatch:
    """Records the spans in which the heartbeat came late; answers overlaps with them."""

    def __init__(self, interval=0.1, grace=0.2, clock=time.monotonic):
        self.interval = interval
        self.grace = grace
        self.clock = clock
        self.last_tick = clock()
        self._stalls = deque(maxlen=REMEMBERED)
        self._lock = threading.Lock()

    def run(self, sleep):
        """The heartbeat: tick every interval, forever (run it as a background task)."""
        while True:
            sleep(self.interval)
            self.tick()

    def tick(self):
        """Note a heartbeat; a late one records the span the process was not serving."""
        now = self.clock()
        with self._lock:
            stall = self._pending(now)
            if stall is not None:
                self._stalls.append(stall)
            self.last_tick = now

    def stalled_between(self, start, end):
        """Seconds of [start, end] in which the process stalled, the current stall included."""
        with self._lock:
            spans = [*self._stalls, self._pending(end)]
        return sum(_overlap(span, start, end) for span in spans if span is not None)

    def _pending(self, now):
        """The stall going on since the last tick, if the next tick is overdue at now."""
        due = self.last_tick + self.interval
        if now - due <= self.grace:
            return None
        return due, now


def _overlap(span, start, end):
    """Length of the intersection of span with [start, end]."""
    return max(0.0, min(span[1], end) - max(span[0], start))
