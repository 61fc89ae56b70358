"""Presence shared by every process on one Redis: one member list per room and one nickname
namespace, whichever process a socket landed on.

Each process keeps its own sockets in memory, as Presence does, and mirrors into Redis
which nicknames it holds for which owner and who of them is in which room. Questions about
everyone (is this nickname taken, who is in this room, which rooms are occupied) are
answered from the mirrors of the live processes, in one atomic Lua script each.

A process shows it is alive with a key that expires after `ttl` seconds unless its
heartbeat renews it. When a process dies, even by SIGKILL, its key expires, readers stop
counting its users at once, and the first live process to notice deletes its mirror and
announces who, of its users, has not come back through another process. Meanwhile its users
keep their nicknames and places, so when they reconnect elsewhere nobody sees them leave.

Sockets, their counts per room and the per-process figures (`sockets_of`, `snapshot`,
`online_count`) stay local, as in Presence.
"""

import json
import logging
import threading
import time
import uuid
from pathlib import Path

import redis

from ..core import names
from ..core.presence import Presence

logger = logging.getLogger(__name__)

PREFIX = "chat:presence:"
LUA = Path(__file__).with_name("lua")
# Every newcomer is sent the room directory, so it is answered from a copy at most this many
# seconds old; a membership change in this process makes the next answer fresh.
DIRECTORY_MAX_AGE = 1.0


def _script(name):
    """The Lua script lua/<name>.lua, after the prelude every script starts from."""
    return (LUA / "live_processes.lua").read_text() + (LUA / f"{name}.lua").read_text()


def is_redis(url):
    """Whether a message queue URL points at Redis (which can then hold the shared presence)."""
    return url.startswith(("redis://", "rediss://"))


class SharedPresence(Presence):
    """Presence whose nicknames, members and room directory cover every live process."""

    def __init__(self, url, ttl, runtime):
        super().__init__()
        self.redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
        self.ttl = ttl
        self.runtime = runtime
        self.on_departure = None
        self.process = uuid.uuid4().hex
        self._mirror_lock = threading.Lock()
        self._registered = False
        self._detached = False
        self._membership_changes = 0
        self._directory_copy = (0, 0.0, None)
        self._claim, self._enter, self._depart, self._holder, self._members, self._directory = (
            self.redis.register_script(_script(name))
            for name in ("claim", "enter", "depart", "holder", "members", "directory")
        )

    def report_departures_to(self, on_departure):
        """Call on_departure(nick, rooms left, offline) for each user of a dead process who
        did not come back through another one."""
        self.on_departure = on_departure

    def claim(self, sid, nick, owner):
        """Register a socket under nick for owner, unless another owner holds nick anywhere."""
        with self._mirror_lock:
            self._register()
            admitted, first = super().claim(sid, nick, owner)
            if not admitted:
                return False, False
            elsewhere = self._claim(
                args=[PREFIX, self.process, names.comparison_key(nick), owner, nick]
            )
            if elsewhere < 0:
                super().release(sid)
                return False, False
            return True, first and not elsewhere

    def release(self, sid):
        """Forget a socket; return (nick, rooms its nick left everywhere, offline everywhere)."""
        with self._mirror_lock:
            nick, rooms_left, offline = super().release(sid)
            if nick is None or self._detached or not (rooms_left or offline):
                return nick, [], False
            return (nick, *self._departed(self.process, nick, offline, rooms_left))

    def join(self, sid, room):
        """Put a socket in a room; True when its nick was in that room nowhere before."""
        with self._mirror_lock:
            if not super().join(sid, room):
                return False
            elsewhere = self._enter(args=[PREFIX, self.process, self.nick(sid), room])
            self._membership_changes += 1
            return not elsewhere

    def leave(self, sid, room):
        """Take a socket out of a room; True when its nick is now in that room nowhere."""
        with self._mirror_lock:
            if not super().leave(sid, room):
                return False
            rooms_left, _ = self._departed(self.process, self.nick(sid), False, [room])
            return bool(rooms_left)

    def holder(self, nick):
        """The owner holding a nickname in any live process, or None when it is free."""
        return self._holder(args=[PREFIX, names.comparison_key(nick)])

    def members(self, room):
        """The nicknames in a room across the live processes, sorted case-insensitively."""
        return sorted(self._members(args=[PREFIX, room]), key=str.casefold)

    def occupied(self, room):
        """Whether anyone is in a room, in any live process."""
        return bool(self._members(args=[PREFIX, room]))

    def directory(self):
        """Every room occupied in any live process with its member count, by name.

        Shared, like Presence's: do not modify it.
        """
        changes, fetched, copy = self._directory_copy
        fresh = time.monotonic() - fetched < DIRECTORY_MAX_AGE
        if copy is not None and fresh and changes == self._membership_changes:
            return copy
        changes, fetched = self._membership_changes, time.monotonic()
        flat = self._directory(args=[PREFIX])
        counts = dict(zip(flat[::2], flat[1::2], strict=True))
        copy = [{"name": room, "members": counts[room]} for room in sorted(counts)]
        self._directory_copy = (changes, fetched, copy)
        return copy

    def detach(self):
        """Stop mirroring departures and heartbeats: this process is handing its users over.

        Its mirror then keeps them listed until its key expires, while they reconnect to
        other processes, so their rooms see nobody leave and come back.
        """
        self._detached = True

    def _departed(self, process, nick, offline, rooms):
        """Mirror nick leaving rooms (and going offline) in process.

        Return (the rooms it is now in nowhere, whether it is now offline everywhere).
        """
        held, *still_in = self._depart(
            args=[PREFIX, process, names.comparison_key(nick), nick, int(offline), *rooms]
        )
        self._membership_changes += 1
        rooms_left = [room for room, stayed in zip(rooms, still_in, strict=True) if not stayed]
        return rooms_left, offline and not held

    def _register(self):
        """On the first claim, enter the registry of live processes and start the heartbeat."""
        if self._registered:
            return
        self._prove_alive()
        self._registered = True
        self.runtime.spawn(self._keep_alive)

    def _prove_alive(self):
        """Renew this process's key and registry entry; True when it had been reaped."""
        pipe = self.redis.pipeline()
        pipe.set(f"{PREFIX}{self.process}:alive", 1, ex=self.ttl)
        pipe.sadd(f"{PREFIX}processes", self.process)
        return bool(pipe.execute()[1])

    def _keep_alive(self):
        """Background task: every third of the TTL, prove this process alive and reap the dead."""
        while not self._detached:
            self.runtime.sleep(self.ttl / 3)
            try:
                self._heartbeat()
            except Exception:
                # Never let the heartbeat end: other processes would take this one for dead.
                logger.exception("shared presence heartbeat failed; trying again")

    def _heartbeat(self):
        """Renew this process, republish its mirror if Redis lost it, and reap dead ones."""
        if self._detached:
            return
        with self._mirror_lock:
            if self._prove_alive():
                self._republish()
        others = self.redis.smembers(f"{PREFIX}processes") - {self.process}
        for process in others:
            dead = not self.redis.exists(f"{PREFIX}{process}:alive")
            if dead and self.redis.srem(f"{PREFIX}processes", process):
                self._reap(process)

    def _republish(self):
        """Write this process's whole mirror again, e.g. after Redis restarted empty."""
        with self._lock:
            owners = {s.key: json.dumps([s.owner, s.nick]) for s in self._sockets.values()}
            rooms = {room: list(counts) for room, counts in self._rooms.items()}
        pipe = self.redis.pipeline()
        if owners:
            pipe.hset(f"{PREFIX}{self.process}:owners", mapping=owners)
        for room, members in rooms.items():
            pipe.sadd(f"{PREFIX}{self.process}:room:{room}", *members)
            pipe.sadd(f"{PREFIX}{self.process}:rooms", room)
        pipe.execute()

    def _reap(self, process):
        """Delete a dead process's mirror and announce who of its users is gone everywhere."""
        owners = self.redis.hgetall(f"{PREFIX}{process}:owners")
        rooms = self.redis.smembers(f"{PREFIX}{process}:rooms")
        rooms_of = {json.loads(value)[1]: [] for value in owners.values()}
        for room in rooms:
            for nick in self.redis.smembers(f"{PREFIX}{process}:room:{room}"):
                rooms_of.setdefault(nick, []).append(room)
        for nick, rooms_there in rooms_of.items():
            rooms_left, offline = self._departed(process, nick, True, sorted(rooms_there))
            self.on_departure(nick, rooms_left, offline)
        self.redis.delete(f"{PREFIX}{process}:owners", f"{PREFIX}{process}:rooms")
