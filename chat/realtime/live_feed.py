"""The live figures pushed to watching operators on `/admin`."""

import os
import socket
import threading
import uuid

from ..extensions import socketio

# Most users, rooms, and members per room named in one snapshot; the counts stay exact.
LISTED = 500
MEMBERS_LISTED = 50


class LiveFeed:
    """Sends a snapshot of this process to its operators every interval while any watch.

    The pushing task starts with the first operator and ends when the last one leaves.
    Snapshots go to a room only this process's operators are in, so with a message queue
    an operator never receives another process's figures under this process's name.
    """

    def __init__(self, namespace, services, interval):
        self.namespace = namespace
        self.presence = services.presence
        self.stats = services.stats
        self.transport_status = services.transport_status
        self.interval = interval
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self.room = f"watching {uuid.uuid4().hex}"
        self._watchers = set()
        self._running = False
        self._lock = threading.Lock()

    def watch(self, sid):
        """Send an operator's socket a snapshot now and from then on every interval."""
        socketio.server.enter_room(sid, self.room, namespace=self.namespace)
        socketio.emit("stats", self.snapshot(), to=sid, namespace=self.namespace)
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

    def snapshot(self):
        """What the operators' page shows: users, rooms and members, rate, uptime, mode, and
        how the transport serves (computed here only, so it costs nothing per packet)."""
        users, rooms = self.presence.snapshot()
        return {
            "process": self.process,
            "async_mode": socketio.async_mode,
            "transport": self.transport_status(),
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
