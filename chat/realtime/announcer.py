"""Coalesced broadcasts: the room directory and who came online, to every connected socket;
and who joined and left each room, to its members.

A broadcast is sent at once when nothing was sent for `interval` seconds, otherwise gathered
and sent once when the interval is up, so a thousand users connecting cost a handful of
broadcasts instead of a million deliveries. Beyond USERS_PER_INTERVAL users online (or
members, for a room's own notices) the interval grows in proportion, since each broadcast
costs one delivery per recipient: the deliveries per second these broadcasts take then stay
bounded however many are online.

A room's members hear of each join and departure at once, as `user joined` or `user left`,
while the room has at most `big_room` members. Beyond that a notice per person would make
each join cost as much as the room is big, and a crowd arriving cost the square of its
size; such a room's changes are gathered instead into one `members changed` per interval:
its exact member count and the first NAMED_CHANGES nicknames that came and went. Big
channels on Slack and Discord work the same way: the count moves and the list is there to
browse, but nobody's conversation scrolls with arrivals.
"""

import threading
import time

from ..extensions import socketio

USERS_PER_INTERVAL = 1000
# Nicknames that joined, and that left, named in one `members changed` notice; and that came
# online, and went offline, in one `presence` broadcast. The others are counted.
NAMED_CHANGES = 20
JOINED, LEFT = "joined", "left"


class Coalesced:
    """Runs flush() at once when it last ran over interval() seconds ago, else once when that
    time is up, for every request made meanwhile."""

    def __init__(self, flush, interval):
        self.flush = flush
        self.interval = interval
        self._lock = threading.Lock()
        self._last_run = 0.0
        self._scheduled = False

    def request(self):
        """Flush now if the interval has passed, else make sure a flush is scheduled."""
        wait = self._last_run + self.interval() - time.monotonic()
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = wait > 0
        if wait > 0:
            socketio.start_background_task(self._run_later, wait)
        else:
            self._run()

    def _run_later(self, wait):
        """Background task: sleep out the interval, then flush."""
        socketio.sleep(wait)
        with self._lock:
            self._scheduled = False
        self._run()

    def _run(self):
        """Flush, noting when."""
        self._last_run = time.monotonic()
        self.flush()


class Announcer:
    """Sends `rooms` and `presence` to everyone, and each big room its `members changed`, at
    most once per interval each."""

    def __init__(self, presence, interval, big_room):
        self.presence = presence
        self.interval = interval
        self.big_room = big_room
        self._lock = threading.Lock()
        self._directory_changed = False
        self._online = {}
        self._offline = set()
        self._to_everyone = Coalesced(self._flush, self.current_interval)
        # {room: (its Coalesced, {nick: JOINED or LEFT})}, for rooms whose changes gather.
        self._gathering = {}

    def directory_changed(self):
        """Note that a room's membership changed."""
        with self._lock:
            self._directory_changed = True
        self._to_everyone.request()

    def came_online(self, sid, nick):
        """Note that nick connected on sid (not told about itself when the notice names it)."""
        with self._lock:
            self._online[nick] = sid
            self._offline.discard(nick)
        self._to_everyone.request()

    def went_offline(self, nick):
        """Note that nick's last socket disconnected."""
        with self._lock:
            if self._online.pop(nick, None) is None:
                self._offline.add(nick)
        self._to_everyone.request()

    def joined(self, room, nick, count, skip_sid=None, resumed=False):
        """Tell a room (but skip_sid) that nick joined it, making count members; `resumed`
        when it is back after a reconnect (a change for the member list, not news)."""
        details = {"resumed": True} if resumed else {}
        self._member_changed("user joined", JOINED, room, nick, count, skip_sid, details)

    def left(self, room, nick, count, skip_sid=None):
        """Tell a room (but skip_sid) that nick left it, leaving count members."""
        self._member_changed("user left", LEFT, room, nick, count, skip_sid, {})

    def departed(self, nick, rooms_left, offline, skip_sid=None):
        """Tell each room nick left ({room: its member count now}) but skip_sid, and everyone
        if nick went offline."""
        for room, count in rooms_left.items():
            self.left(room, nick, count, skip_sid)
        if offline:
            self.went_offline(nick)

    def current_interval(self):
        """Seconds between broadcasts to everyone: the interval, stretched beyond
        USERS_PER_INTERVAL users online."""
        return self._stretched(self.presence.online_count())

    def _stretched(self, recipients):
        """The interval for broadcasts to this many recipients."""
        return self.interval * max(1.0, recipients / USERS_PER_INTERVAL)

    def _member_changed(self, notice, change, room, nick, count, skip_sid, details):
        """Send a small room its notice (with details) at once; gather a big room's (or one
        that gathers already, so that its notices keep their order)."""
        with self._lock:
            gathering = self._gathering.get(room)
            if gathering is None and count > self.big_room:
                gathering = self._gathering[room] = (self._room_schedule(room), {})
            if gathering is not None:
                _net(gathering[1], nick, change)
        if gathering is None:
            payload = {"room": room, "nick": nick, **details}
            socketio.emit(notice, payload, to=room, skip_sid=skip_sid)
        else:
            gathering[0].request()
        self.directory_changed()

    def _room_schedule(self, room):
        """The Coalesced that sends a room its gathered changes."""
        return Coalesced(
            lambda: self._flush_room(room),
            lambda: self._stretched(self.presence.member_count(room)),
        )

    def _flush_room(self, room):
        """Send a room what has gathered since its last notice, with its exact count; a room
        that is small again goes back to a notice per person."""
        count = self.presence.member_count(room)
        with self._lock:
            schedule, changes = self._gathering.get(room, (None, {}))
            if count <= self.big_room:
                self._gathering.pop(room, None)
            elif schedule is not None:
                self._gathering[room] = (schedule, {})
        if not changes:
            return
        joined = [nick for nick, change in changes.items() if change == JOINED]
        left = [nick for nick, change in changes.items() if change == LEFT]
        notice = {
            "room": room,
            "count": count,
            "joined": joined[:NAMED_CHANGES],
            "left": left[:NAMED_CHANGES],
            "more_joined": max(0, len(joined) - NAMED_CHANGES),
            "more_left": max(0, len(left) - NAMED_CHANGES),
        }
        socketio.emit("members changed", notice, to=room)

    def _flush(self):
        """Send everyone what has gathered since the last flush."""
        with self._lock:
            directory_changed, self._directory_changed = self._directory_changed, False
            online, self._online = self._online, {}
            offline, self._offline = self._offline, set()
        if online or offline:
            notice = _presence_notice(sorted(online), sorted(offline))
            newcomers = [online[nick] for nick in notice["online"]]
            socketio.emit("presence", notice, skip_sid=newcomers)
        if directory_changed:
            socketio.emit("rooms", self.presence.listing())


def _presence_notice(online, offline):
    """`presence`: the first NAMED_CHANGES nicknames that came online and went offline, and
    how many more did of each, when more did."""
    notice = {"online": online[:NAMED_CHANGES], "offline": offline[:NAMED_CHANGES]}
    for field, nicks in (("more_online", online), ("more_offline", offline)):
        if len(nicks) > NAMED_CHANGES:
            notice[field] = len(nicks) - NAMED_CHANGES
    return notice


def _net(changes, nick, change):
    """Record nick's change in a room's gathered changes; a join and a departure of the same
    nickname cancel out, since the room is then as it was."""
    if changes.get(nick, change) != change:
        del changes[nick]
    else:
        changes[nick] = change
