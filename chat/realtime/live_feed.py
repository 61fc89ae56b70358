"""The live figures pushed to watching operators on `/admin`, and the last hour of samples
their chart is drawn from."""

import os
import socket
import threading
import time
import uuid
from collections import deque

from ..extensions import socketio

# Most users, rooms, and members per room named in one snapshot; the counts stay exact.
LISTED = 500
MEMBERS_LISTED = 50
# Seconds of samples kept for the chart.
SAMPLES_SPAN = 3600


class LiveFeed:
    """Sends a snapshot of this process to its operators every interval while any watch, and
    keeps a sample of messages per second and users online every sample interval, watched or
    not, for the last hour.

    The pushing task starts with the first operator and ends when the last one leaves.
    Snapshots go to a room only this process's operators are in, so with a message queue
    an operator never receives another process's figures under this process's name.
    """

    def __init__(self, namespace, presence, stats, interval, sample_interval):
        self.namespace = namespace
        self.presence = presence
        self.stats = stats
        self.interval = interval
        self.sample_interval = sample_interval
        self.samples = deque(maxlen=max(1, round(SAMPLES_SPAN / sample_interval)))
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self.room = f"watching {uuid.uuid4().hex}"
        self._watchers = set()
        self._running = False
        self._lock = threading.Lock()
        self._counted = (time.monotonic(), stats.messages)

    def start_sampling(self):
        """Take a sample every sample interval from now on, for as long as the process runs."""
        socketio.start_background_task(self._sample_forever)

    def watch(self, sid):
        """Send an operator's socket a snapshot and the samples kept, then a snapshot every
        interval and each new sample."""
        socketio.server.enter_room(sid, self.room, namespace=self.namespace)
        socketio.emit("stats", self.snapshot(), to=sid, namespace=self.namespace)
        kept = {"interval": self.sample_interval, "samples": list(self.samples)}
        socketio.emit("samples", kept, to=sid, namespace=self.namespace)
        with self._lock:
            self._watchers.add(sid)
            start, self._running = not self._running, True
        if start:
            socketio.start_background_task(self._push_while_watched)

    def unwatch(self, sid):
        """Stop counting an operator's socket that went away."""
        with self._lock:
            self._watchers.discard(sid)

    def _push_while_watched(self):
        """Background task: push a snapshot every interval until nobody watches."""
        while True:
            socketio.sleep(self.interval)
            with self._lock:
                if not self._watchers:
                    self._running = False
                    return
            socketio.emit("stats", self.snapshot(), to=self.room, namespace=self.namespace)

    def _sample_forever(self):
        """Background task: keep a sample every sample interval, and show it to the watchers.

        It serves the Socket.IO server it started on: an app made later in this process (the
        tests make one per test) has a server of its own, and this task then ends."""
        server = socketio.server
        while socketio.server is server:
            socketio.sleep(self.sample_interval)
            sample = self.sample()
            self.samples.append(sample)
            with self._lock:
                watched = bool(self._watchers)
            if watched:
                socketio.emit("sample", sample, to=self.room, namespace=self.namespace)

    def sample(self):
        """Messages stored per second since the last sample, and the users online now."""
        now, messages = time.monotonic(), self.stats.messages
        then, before = self._counted
        self._counted = (now, messages)
        return {
            "ts": int(time.time() * 1000),
            "messages_per_second": round((messages - before) / max(now - then, 1e-3), 3),
            "users": self.presence.online_count(),
        }

    def snapshot(self):
        """What the operators' page shows: users, rooms and members, rate, uptime, mode."""
        users, rooms = self.presence.snapshot()
        return {
            "process": self.process,
            "async_mode": socketio.async_mode,
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
