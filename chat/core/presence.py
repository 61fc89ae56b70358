"""Who is connected to this process, under which nickname, and in which rooms.

A nickname belongs to one owner (a browser session or a client key); the same owner may
hold it on several sockets (tabs), and is listed once. Everything here is in memory.

Each room keeps its members in list order as they come and go, so that a page of its list,
its count, a join and a departure each cost the same however many are in it.
"""

import heapq
import threading
from dataclasses import dataclass, field
from typing import NamedTuple

from sortedcontainers import SortedKeyList

from . import names

# Rooms a directory listing names: the busiest ones; the rest are found by searching.
LISTED_ROOMS = 50


def list_order(nick):
    """The key a member list is sorted by: case-insensitive, then exact (so that no two
    nicknames tie), and as text in the same order as its UTF-8 bytes (as Redis sorts)."""
    return f"{nick.casefold()}\x00{nick}"


def listed_nick(key):
    """The nickname a list_order key was made from."""
    return key.rpartition("\x00")[2]


@dataclass
class _Socket:
    nick: str
    key: str
    owner: str
    rooms: set = field(default_factory=set)


@dataclass
class _Holder:
    owner: str
    nick: str
    sockets: int = 0


@dataclass
class _Room:
    # How many of each member's sockets are in the room.
    sockets: dict = field(default_factory=dict)
    # Every member's nickname, in list order: the member list.
    listed: SortedKeyList = field(default_factory=lambda: SortedKeyList(key=list_order))


class MembersPage(NamedTuple):
    """Part of a room's member list: names in list order, whether more follow, and how many
    members the room has in all."""

    names: list
    more: bool
    count: int


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
            holder = self._owners.setdefault(key, _Holder(owner, nick))
            if holder.owner != owner:
                return False, False
            holder.sockets += 1
            self._sockets[sid] = _Socket(nick, key, owner)
            return True, holder.sockets == 1

    def release(self, sid):
        """Forget a socket; return (nick, {room its nick left: the room's member count now},
        whether the nick went offline)."""
        with self._lock:
            socket = self._sockets.pop(sid, None)
            if socket is None:
                return None, {}, False
            left = ((room, self._remove(socket, room)) for room in socket.rooms)
            rooms_left = {room: count for room, count in left if count is not None}
            holder = self._owners[socket.key]
            holder.sockets -= 1
            if not holder.sockets:
                del self._owners[socket.key]
            return socket.nick, rooms_left, not holder.sockets

    def join(self, sid, room):
        """Put a socket in a room; return the room's member count when its nick was not in
        the room before, else None."""
        with self._lock:
            socket = self._sockets[sid]
            if room in socket.rooms:
                return None
            socket.rooms.add(room)
            members = self._rooms.get(room)
            if members is None:
                members = self._rooms[room] = _Room()
            sockets = members.sockets.get(socket.nick, 0)
            members.sockets[socket.nick] = sockets + 1
            if sockets:
                return None
            members.listed.add(socket.nick)
            self._directory_snapshot = None
            return len(members.sockets)

    def leave(self, sid, room):
        """Take a socket out of a room; return the room's member count when its nick has now
        left the room, else None."""
        with self._lock:
            socket = self._sockets[sid]
            if room not in socket.rooms:
                return None
            socket.rooms.discard(room)
            return self._remove(socket, room)

    def _remove(self, socket, room):
        """Drop one of the nick's sockets from a room; the room's member count when it was the
        nick's last there, else None."""
        members = self._rooms[room]
        members.sockets[socket.nick] -= 1
        if members.sockets[socket.nick]:
            return None
        del members.sockets[socket.nick]
        members.listed.remove(socket.nick)
        if not members.sockets:
            del self._rooms[room]
        self._directory_snapshot = None
        return len(members.sockets)

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

    def online_as(self, key):
        """The nickname held under a comparison key, as its holder spells it, or None."""
        holder = self._owners.get(key)
        return holder.nick if holder else None

    def members(self, room, limit, after=None):
        """A MembersPage of a room: up to limit nicknames, in list order (case-insensitive),
        from the start or after the nickname `after`."""
        with self._lock:
            members = self._rooms.get(room)
            if members is None:
                return MembersPage([], False, 0)
            start = 0 if after is None else members.listed.bisect_key_right(list_order(after))
            names = list(members.listed.islice(start, start + limit + 1))
            count = len(members.sockets)
        return MembersPage(names[:limit], len(names) > limit, count)

    def member_count(self, room):
        """How many nicknames are in a room."""
        members = self._rooms.get(room)
        return 0 if members is None else len(members.sockets)

    def directory(self):
        """Every occupied room with its member count, by name (shared: do not modify it)."""
        with self._lock:
            if self._directory_snapshot is None:
                self._directory_snapshot = [
                    {"name": room, "members": len(members.sockets)}
                    for room, members in sorted(self._rooms.items())
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
            rooms = [(room, list(members.listed)) for room, members in sorted(self._rooms.items())]
        return sorted(users.values(), key=str.casefold), rooms

    def report_departures_to(self, on_departure):
        """Nothing to report: in one process every departure passes the disconnect handler."""

    def detach(self):
        """Nothing to hand over: this presence ends with its process (see SharedPresence)."""


def _busiest(rooms, limit):
    """The limit rooms with the most members, ties by name."""
    return heapq.nsmallest(limit, rooms, key=lambda room: (-room["members"], room["name"]))
