"""Socket.IO's record of who is in which room, kept both ways, so that a disconnect costs the
same however many sockets are connected.

python-socketio's client manager finds the rooms of a socket that disconnects by looking
through every room of its namespace, and every connected socket has a room of its own: each
disconnect then costs as much as there are sockets, and a crowd leaving at once the square
of its size. RoomIndex keeps each socket's rooms beside the manager's rooms, and answers a
disconnect from them. The manager also lists the sockets still connecting and disconnecting,
in lists it searches; while handlers wait for Redis, a crowd arriving or leaving makes them
long, so here they are sets that keep the lists' methods.

It overrides the manager's `basic_*` methods, the layer every manager (the message queue's
too) builds its own on, and `pre_connect` and `pre_disconnect`, and reads the attributes the
base class keeps (`rooms`, `callbacks`, `pending_connect`, `pending_disconnect`):
tests/test_big_rooms.py checks that python-socketio still has them.
"""

import socketio

from ..cluster.client_manager import RedisClientManager


class PendingSids(dict):
    """The sids of a namespace still connecting or disconnecting: the list methods the
    manager calls on them (append, remove, `in`, len), each at the cost of a dict's."""

    def append(self, sid):
        """Note a sid."""
        self[sid] = None

    def remove(self, sid):
        """Forget a sid."""
        del self[sid]


class RoomIndex:
    """Mixin for a python-socketio client manager: each socket's rooms, kept as it enters and
    leaves them."""

    def __init__(self, *arguments, **keywords):
        super().__init__(*arguments, **keywords)
        # {(namespace, sid): the rooms it is in, its own room and the namespace's None included}
        self.rooms_of = {}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        """Enter a room, and note it among the socket's rooms."""
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid, namespace, room):
        """Leave a room, and strike it from the socket's rooms."""
        super().basic_leave_room(sid, namespace, room)
        rooms = self.rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid, namespace, **_options):
        """Take a socket out of its rooms and forget its callbacks and pending state, as the
        base class does, without looking at anyone else's rooms."""
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def pre_connect(self, eio_sid, namespace):
        """Register a connection as the base class does, its sid noted in a PendingSids."""
        self.pending_connect.setdefault(namespace, PendingSids())
        return super().pre_connect(eio_sid, namespace)

    def pre_disconnect(self, sid, namespace):
        """Note a disconnect as the base class does, its sid noted in a PendingSids."""
        self.pending_disconnect.setdefault(namespace, PendingSids())
        return super().pre_disconnect(sid, namespace)

    def get_rooms(self, sid, namespace):
        """The rooms a socket is in, its own room included (as the base class answers)."""
        return [room for room in self.rooms_of.get((namespace, sid), ()) if room is not None]


class LocalManager(RoomIndex, socketio.Manager):
    """The client manager of a process without a message queue."""


class RedisManager(RoomIndex, RedisClientManager):
    """The client manager of a process sharing a Redis message queue."""
