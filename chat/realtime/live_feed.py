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
    """Sends a snapshot of the figures to this process's operators every interval while any
    watch, and keeps a sample of messages per second and users online every sample interval,
    watched or not, for the last hour.

    With `shared` figures (chat/cluster/shared_figures.py), users, rooms and messages per
    second, in snapshots and samples, cover every process sharing Redis, and fall back to
    this process's own while Redis is unreachable; the rest is always this process's. The
    pushing task starts with the first operator and ends when the last one leaves. Snapshots
    go to a room only this process's operators are in, so an operator never receives another
    process's snapshot under this process's name.
    """

    def __init__(self, namespace, services, interval, sample_interval, shared=None):
        self.namespace = namespace
        self.presence = services.presence
        self.stats = services.stats
        self.transport_status = services.transport_status
        self.interval = interval
        self.sample_interval = sample_interval
        self.samples = deque(maxlen=max(1, round(SAMPLES_SPAN / sample_interval)))
        self.shared = shared
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self.room = f"watching {uuid.uuid4().hex}"
        self._watchers = set()
        self._running = False
        self._lock = threading.Lock()
        self._counted = (time.monotonic(), services.stats.messages)

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
        """Messages stored per second since the last sample, and the users online now (of
        every process with shared figures, unless Redis does not answer)."""
        now, messages = time.monotonic(), self.stats.messages
        then, before = self._counted
        self._counted = (now, messages)
        shared = self.shared.counts(now - then) if self.shared is not None else None
        if shared is None:
            shared = (messages - before) / max(now - then, 1e-3), self.presence.online_count()
        rate, users = shared
        return {
            "ts": int(time.time() * 1000),
            "messages_per_second": round(rate, 3),
            "users": users,
        }

    def snapshot(self):
        """What the operators' page shows: users, rooms and members, rate, uptime, mode, and
        whether the first three are the cluster's or this process's, and how the transport
        serves (computed here only, so it costs nothing per packet)."""
        shared = None
        if self.shared is not None:
            shared = self.shared.snapshot(LISTED, MEMBERS_LISTED)
        figures = self._own_figures() if shared is None else {"scope": "cluster", **shared}
        return {
            "process": self.process,
            "async_mode": socketio.async_mode,
            "transport": self.transport_status(),
            "uptime": round(self.stats.uptime(), 1),
            "messages": self.stats.messages,
            # This process's figures although Redis is configured: it does not answer.
            "redis_unreachable": self.shared is not None and shared is None,
            **figures,
        }

    def _own_figures(self):
        """Users, rooms and messages per second of this process alone."""
        users, rooms = self.presence.snapshot()
        return {
            "scope": "process",
            "messages_per_second": self.stats.messages_per_second(),
            "user_count": len(users),
            "users": users[:LISTED],
            "room_count": len(rooms),
            "rooms": [
                {"name": name, "member_count": len(members), "members": members[:MEMBERS_LISTED]}
                for name, members in rooms[:LISTED]
            ],
        }
