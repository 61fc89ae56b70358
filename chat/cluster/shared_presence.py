"""Presence shared by every process on one Redis: one member list per room and one nickname
namespace, whichever process a socket landed on.

Each process keeps its own sockets in memory, as Presence does, and mirrors into Redis
which nicknames it holds for which owner and who of them is in which room. Beside the
mirrors, Redis keeps what everyone asks about, up to date with each change: every room's
members in list order with, for each, how many processes hold it there, and the occupied
rooms ranked by member count. A join, a departure, a page of a member list and the
directory's busiest rooms therefore cost the same however big the room or the cluster;
each change is one atomic Lua script.

A process shows it is alive with a key that expires after `ttl` seconds unless its
heartbeat renews it. When a process dies, even by SIGKILL, its key expires, and the first
live process to notice takes its users out of the rooms (they stop being listed then) and
announces who, of them, has not come back through another process. Until then its users
keep their nicknames and places, so when they reconnect elsewhere nobody sees them leave.

While Redis is unreachable (chat/cluster/link.py), questions are answered from this
process's own presence, joins and departures are kept locally, and a nickname this process
does not hold already is refused (RedisUnavailable), since no other process can be asked.
When Redis answers again, this process's whole mirror, and its share of the member lists,
is written anew from its presence, and for a TTL it reaps nobody: every process's key may
have expired during the outage.

Sockets, their counts per room and the per-process figures (`sockets_of`, `snapshot`,
`online_count`) stay local, as in Presence.
"""

import functools
import json
import logging
import threading
import time
import uuid
from pathlib import Path

from ..core import names
from ..core.presence import (
    LISTED_ROOMS,
    MembersPage,
    Presence,
    list_order,
    listed_nick,
)
from .link import RedisUnavailable

logger = logging.getLogger(__name__)

PREFIX = "chat:presence:"
LUA = Path(__file__).with_name("lua")
# Every newcomer is sent the room directory, so it is answered from a copy at most this many
# seconds old; a membership change in this process makes the next answer fresh.
DIRECTORY_MAX_AGE = 1.0


def lua_script(name):
    """The Lua script lua/<name>.lua, after the prelude every script starts from."""
    return (LUA / "prelude.lua").read_text() + (LUA / f"{name}.lua").read_text()


def is_redis(url):
    """Whether a message queue URL points at Redis (which can then hold the shared presence)."""
    return url.startswith(("redis://", "rediss://"))


class SharedPresence(Presence):
    """Presence whose nicknames, members and room directory cover every live process."""

    def __init__(self, link, ttl, runtime):
        super().__init__()
        self.link = link
        self.redis = link.redis
        self.ttl = ttl
        self.runtime = runtime
        self.on_departure = None
        self.process = uuid.uuid4().hex
        self._mirror_lock = threading.Lock()
        self._registered = False
        self._detached = False
        self._mirror_stale = False
        self._reaping_from = 0.0
        self._membership_changes = 0
        self._copies = {}
        self._claim, self._enter, self._depart, self._holder, self._replace = (
            self.redis.register_script(lua_script(name))
            for name in ("claim", "enter", "depart", "holder", "republish")
        )
        link.when_reachable_again(self._catch_up)

    def report_departures_to(self, on_departure):
        """Call on_departure(nick, rooms left, offline) for each user of a dead process who
        did not come back through another one."""
        self.on_departure = on_departure

    def claim(self, sid, nick, owner):
        """Register a socket under nick for owner, unless another owner holds nick anywhere.

        A nickname this process already holds for owner (another tab) needs no Redis; any
        other claim raises RedisUnavailable while Redis cannot be asked, leaving no trace.
        """
        with self._mirror_lock:
            admitted, first = super().claim(sid, nick, owner)
            if not (admitted and first):
                return admitted, False
            try:
                elsewhere = self.link.call(self._claim_everywhere, nick, owner)
            except RedisUnavailable:
                super().release(sid)
                self._mirror_stale = True  # Redis may yet carry out the claim it was sent
                raise
            if elsewhere < 0:
                super().release(sid)
                return False, False
            return True, not elsewhere

    def release(self, sid):
        """Forget a socket; return (nick, {room its nick left everywhere: the room's member
        count}, offline everywhere)."""
        with self._mirror_lock:
            nick, rooms_left, offline = super().release(sid)
            if nick is None or self._detached or not (rooms_left or offline):
                return nick, {}, False
            answer = self._mirrored(
                (rooms_left, offline), self._departed, self.process, nick, offline, list(rooms_left)
            )
            return nick, *answer

    def join(self, sid, room):
        """Put a socket in a room; return the room's member count when its nick was in that
        room nowhere before, else None."""
        with self._mirror_lock:
            count = super().join(sid, room)
            if count is None:
                return None
            self._membership_changes += 1
            arguments = [PREFIX, self.process, list_order(self.nick(sid)), room]
            there_already, count = self._mirrored((0, count), self._enter, args=arguments)
            return None if there_already else count

    def leave(self, sid, room):
        """Take a socket out of a room; return the room's member count when its nick is now
        in that room nowhere, else None."""
        with self._mirror_lock:
            count = super().leave(sid, room)
            if count is None:
                return None
            departure = (self.process, self.nick(sid), False, [room])
            rooms_left, _ = self._mirrored(({room: count}, False), self._departed, *departure)
            return rooms_left.get(room)

    def holder(self, nick):
        """The owner holding a nickname in any live process, or None when it is free."""
        held = self._held(names.comparison_key(nick))
        return held and held[0]

    def online_as(self, key):
        """The nickname held under a comparison key in any live process, as its holder spells
        it, or None."""
        held = self._held(key)
        return held and held[1]

    def _held(self, key):
        """[owner, nickname] of whoever holds a comparison key in a live process (in this one
        while Redis is unreachable), or None."""
        try:
            answer = self.link.call(self._holder, args=[PREFIX, key])
        except RedisUnavailable:
            nick = super().online_as(key)
            return None if nick is None else [super().holder(nick), nick]
        return None if answer is None else json.loads(answer)

    def members(self, room, limit, after=None):
        """A MembersPage of a room across the processes: up to limit nicknames in list order,
        from the start or after the nickname `after`."""
        here = functools.partial(super().members, room, limit, after)
        return self._everywhere(here, self._page, room, limit, after)

    def member_count(self, room):
        """How many nicknames are in a room, across the processes."""
        here = functools.partial(super().member_count, room)
        return self._everywhere(here, self.redis.zcard, f"{PREFIX}members:{room}")

    def occupied(self, room):
        """Whether anyone is in a room, in any process (this one alone while Redis is
        unreachable)."""
        here = functools.partial(super().occupied, room)
        return bool(self._everywhere(here, self.redis.exists, f"{PREFIX}members:{room}"))

    def directory(self):
        """Every room occupied in any process with its member count, by name.

        Shared, like Presence's: do not modify it.
        """
        return self._fresh("directory", super().directory, self._every_room)

    def listing(self):
        """{rooms: the LISTED_ROOMS busiest rooms in any process, total: how many are
        occupied} (shared: do not modify it)."""
        return self._fresh("listing", super().listing, self._busiest_rooms)

    def detach(self):
        """Stop mirroring departures and heartbeats: this process is handing its users over.

        Its mirror then keeps them listed until its key expires, while they reconnect to
        other processes, so their rooms see nobody leave and come back.
        """
        self._detached = True

    def _everywhere(self, here, function, *arguments, **keywords):
        """function(...)'s answer about every process, from Redis; here(), this process's own
        answer, while Redis is unreachable."""
        try:
            return self.link.call(function, *arguments, **keywords)
        except RedisUnavailable:
            return here()

    def _fresh(self, name, here, fetch):
        """fetch()'s answer, kept for reuse until DIRECTORY_MAX_AGE has passed or this process's
        membership changed; here() while Redis is unreachable."""
        changes, fetched, copy = self._copies.get(name, (0, 0.0, None))
        fresh = time.monotonic() - fetched < DIRECTORY_MAX_AGE
        if copy is not None and fresh and changes == self._membership_changes:
            return copy
        changes, fetched = self._membership_changes, time.monotonic()
        try:
            copy = self.link.call(fetch)
        except RedisUnavailable:
            return here()
        self._copies[name] = (changes, fetched, copy)
        return copy

    def _page(self, room, limit, after):
        """Up to limit members of a room after the nickname `after`, and the room's count, in
        one transaction."""
        low = "-" if after is None else f"({list_order(after)}"
        pipe = self.redis.pipeline()
        pipe.zrangebylex(f"{PREFIX}members:{room}", low, "+", start=0, num=limit + 1)
        pipe.zcard(f"{PREFIX}members:{room}")
        keys, count = pipe.execute()
        return MembersPage([listed_nick(key) for key in keys[:limit]], len(keys) > limit, count)

    def _every_room(self):
        """Every occupied room with its member count, by name."""
        ranked = self.redis.zrange(f"{PREFIX}rooms", 0, -1, withscores=True)
        return [{"name": room, "members": round(-score)} for room, score in sorted(ranked)]

    def _busiest_rooms(self):
        """The listing: the busiest rooms (ties by name) and how many rooms are occupied."""
        pipe = self.redis.pipeline()
        pipe.zrange(f"{PREFIX}rooms", 0, LISTED_ROOMS - 1, withscores=True)
        pipe.zcard(f"{PREFIX}rooms")
        ranked, total = pipe.execute()
        return {
            "rooms": [{"name": room, "members": round(-score)} for room, score in ranked],
            "total": total,
        }

    def _mirrored(self, answer_here, change, *arguments, **keywords):
        """change(...)'s answer about every live process, mirroring a change of this one's.

        While Redis is unreachable: answer_here, as this process alone sees it; the mirror
        is then written anew once Redis answers again.
        """
        try:
            return self.link.call(change, *arguments, **keywords)
        except RedisUnavailable:
            self._mirror_stale = True
            return answer_here

    def _claim_everywhere(self, nick, owner):
        """Mirror a claim: -1 when another owner holds nick in a live process (nothing is
        mirrored then), 1 when another live process holds it for owner too, else 0."""
        self._register()
        key = names.comparison_key(nick)
        return self._claim(args=[PREFIX, self.process, key, owner, nick])

    def _departed(self, process, nick, offline, rooms):
        """Mirror nick leaving rooms (and going offline) in process.

        Return ({room it is now in nowhere: the room's member count}, whether it is now
        offline everywhere). A dead process that came back while it was being reaped keeps
        its users: nobody left then.
        """
        reaping = int(process != self.process)
        arguments = [names.comparison_key(nick), list_order(nick), int(offline), reaping]
        answer = self._depart(args=[PREFIX, process, *arguments, *rooms])
        self._membership_changes += 1
        if answer is None:
            return {}, False
        held, *per_room = answer
        stayed, counts = per_room[::2], per_room[1::2]
        rooms_left = {
            room: count
            for room, still_in, count in zip(rooms, stayed, counts, strict=True)
            if not still_in
        }
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
            self._beat()

    def _catch_up(self):
        """Once Redis answers again after an outage, write what it missed without waiting for
        the next heartbeat.

        Reap nobody for a TTL: after a long outage every process's key has expired, and the
        others are alive if they prove it within that time, as each does once Redis answers.
        """
        self._reaping_from = time.monotonic() + self.ttl
        if self._registered:
            self._beat()

    def _beat(self):
        """One heartbeat; a failure is logged (an outage once, by the link), never fatal."""
        try:
            self.link.call(self._heartbeat)
        except RedisUnavailable:
            pass  # the link said so once, and calls _catch_up when Redis is back
        except Exception:
            # Never let the heartbeat end: other processes would take this one for dead.
            logger.exception("shared presence heartbeat failed; trying again")

    def _heartbeat(self):
        """Renew this process, write its mirror anew if Redis lost or missed any of it, and
        reap dead processes."""
        if self._detached:
            return
        with self._mirror_lock:
            if self._prove_alive() or self._mirror_stale:
                self._republish()
        if time.monotonic() < self._reaping_from:
            return
        others = self.redis.smembers(f"{PREFIX}processes") - {self.process}
        for process in others:
            dead = not self.redis.exists(f"{PREFIX}{process}:alive")
            if dead and self.redis.srem(f"{PREFIX}processes", process):
                self._reap(process)

    def _republish(self):
        """Make this process's mirror, and its share of the member lists, what it holds now,
        in one step."""
        with self._lock:
            owners = {s.key: json.dumps([s.owner, s.nick]) for s in self._sockets.values()}
            rooms = {
                room: [list_order(nick) for nick in members.listed]
                for room, members in self._rooms.items()
            }
        self._replace(args=[PREFIX, self.process, json.dumps(owners), json.dumps(rooms)])
        self._mirror_stale = False
        self._membership_changes += 1

    def _reap(self, process):
        """Take a dead process's users out of the presence and announce who of them is gone
        everywhere; its mirror empties as they go."""
        owners = self.redis.hgetall(f"{PREFIX}{process}:owners")
        rooms = self.redis.smembers(f"{PREFIX}{process}:rooms")
        rooms_of = {json.loads(value)[1]: [] for value in owners.values()}
        for room in rooms:
            for order in self.redis.smembers(f"{PREFIX}{process}:room:{room}"):
                rooms_of.setdefault(listed_nick(order), []).append(room)
        for nick, rooms_there in rooms_of.items():
            rooms_left, offline = self._departed(process, nick, True, sorted(rooms_there))
            self.on_departure(nick, rooms_left, offline)
