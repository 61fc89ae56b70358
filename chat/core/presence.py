"""Who is connected to this process, under which nickname, and in which rooms.

A nickname belongs to one owner (a browser session or a client key); the same owner may
hold it on several sockets (tabs), and is listed once. Everything here is in memory.
"""

import functools
import heapq
import threading
from dataclasses import dataclass, field

from . import names

# Rooms a directory listing names: the busiest ones; the rest are found by searching.
LISTED_ROOMS = 50


@dataclass
class _Socket:
    nick: str
    key: str
    owner: str
    rooms: set = field(default_factory=set)


@dataclass
class _Holder:
    owner: str
    sockets: int = 0


class Presence:
    """The registry of connected sockets, their nicknames and their rooms."""

    def __init__(self):
        self._sockets = {}
        self._owners = {}
        self._rooms = {}
        # Built on demand and kept until a room's membership changes: every newcomer is sent
        # it, and while users connect it changes far less often than it is asked for.
        self._directory_snapshot = None
        self._listing = (None, None)
        self._lock = threading.Lock()

    def claim(self, sid, nick, owner):
        """Register a socket under nick for owner; return (admitted, first socket of nick)."""
        key = names.comparison_key(nick)
        with self._lock:
            holder = self._owners.setdefault(key, _Holder(owner))
            if holder.owner != owner:
                return False, False
            holder.sockets += 1
            self._sockets[sid] = _Socket(nick, key, owner)
            return True, holder.sockets == 1

    def release(self, sid):
        """Forget a socket; return (nick, rooms its nick left, whether the nick went offline)."""
        with self._lock:
            socket = self._sockets.pop(sid, None)
            if socket is None:
                return None, [], False
            rooms_left = [room for room in socket.rooms if self._remove(socket, room)]
            holder = self._owners[socket.key]
            holder.sockets -= 1
            if not holder.sockets:
                del self._owners[socket.key]
            return socket.nick, rooms_left, not holder.sockets

    def join(self, sid, room):
        """Put a socket in a room; return True when its nick was not in the room before."""
        with self._lock:
            socket = self._sockets[sid]
            if room in socket.rooms:
                return False
            socket.rooms.add(room)
            counts = self._rooms.setdefault(room, {})
            counts[socket.nick] = counts.get(socket.nick, 0) + 1
            if counts[socket.nick] > 1:
                return False
            self._directory_snapshot = None
            return True

    def leave(self, sid, room):
        """Take a socket out of a room; return True when its nick has now left the room."""
        with self._lock:
            socket = self._sockets[sid]
            if room not in socket.rooms:
                return False
            socket.rooms.discard(room)
            return self._remove(socket, room)

    def _remove(self, socket, room):
        """Drop one of the nick's sockets from a room's count; True when it was the last."""
        counts = self._rooms[room]
        counts[socket.nick] -= 1
        if counts[socket.nick]:
            return False
        del counts[socket.nick]
        if not counts:
            del self._rooms[room]
        self._directory_snapshot = None
        return True

    def nick(self, sid):
        """The nickname a socket is connected under."""
        return self._sockets[sid].nick

    def owner(self, sid):
        """The owner (browser session or client key) a socket is connected for."""
        return self._sockets[sid].owner

    def key(self, sid):
        """The comparison key of a socket's nickname."""
        return self._sockets[sid].key

    def rooms_of(self, sid):
        """The rooms a socket is in."""
        return set(self._sockets[sid].rooms)

    def is_in(self, sid, room):
        """Whether a socket is in a room."""
        socket = self._sockets.get(sid)
        return socket is not None and room in socket.rooms

    def holder(self, nick):
        """The owner holding a nickname, or None when it is free."""
        holder = self._owners.get(names.comparison_key(nick))
        return holder.owner if holder else None

    def members(self, room):
        """The nicknames in a room, sorted case-insensitively."""
        return sorted(self._rooms.get(room, {}), key=str.casefold)

    def directory(self):
        """Every occupied room with its member count, by name (shared: do not modify it)."""
        with self._lock:
            if self._directory_snapshot is None:
                self._directory_snapshot = [
                    {"name": room, "members": len(counts)}
                    for room, counts in sorted(self._rooms.items())
                ]
            return self._directory_snapshot

    def listing(self):
        """{rooms: the LISTED_ROOMS busiest rooms, total: how many are occupied}; built once per
        directory (shared: do not modify it)."""
        directory = self.directory()
        built_from, listing = self._listing
        if built_from is not directory:
            listing = {"rooms": _busiest(directory, LISTED_ROOMS), "total": len(directory)}
            self._listing = (directory, listing)
        return listing

    def find_rooms(self, text, limit=LISTED_ROOMS):
        """(the busiest occupied rooms whose names contain text, up to limit; whether more do)."""
        found = [room for room in self.directory() if text in room["name"]]
        return _busiest(found, limit), len(found) > limit

    def occupied(self, room):
        """Whether anyone is in a room."""
        return room in self._rooms

    def online_count(self):
        """How many distinct nicknames are connected."""
        return len(self._owners)

    def sockets_of(self, nick):
        """The sids connected under a nickname (one per tab); a scan, for rare admin use."""
        key = names.comparison_key(nick)
        with self._lock:
            return [sid for sid, socket in self._sockets.items() if socket.key == key]

    def snapshot(self):
        """(every connected nickname, [(room, its members)]), all sorted, for the operators."""
        with self._lock:
            users = {socket.key: socket.nick for socket in self._sockets.values()}
            rooms = [(room, list(counts)) for room, counts in sorted(self._rooms.items())]
        by_name = functools.partial(sorted, key=str.casefold)
        return by_name(users.values()), [(room, by_name(members)) for room, members in rooms]

    def report_departures_to(self, on_departure):
        """Nothing to report: in one process every departure passes the disconnect handler."""

    def detach(self):
        """Nothing to hand over: this presence ends with its process (see SharedPresence)."""


def _busiest(rooms, limit):
    """The limit rooms with the most members, ties by name."""
    return heapq.nsmallest(limit, rooms, key=lambda room: (-room["members"], room["name"]))
