"""The operators' figures over every process sharing one Redis: messages per second, users
online and rooms.

Each process adds the messages it stored to a counter per wall-clock second, in one call a
second however many it stored (and none in a second it stored none). Rooms and their member
counts are the shared presence's room directory (chat/cluster/shared_presence.py), which it
keeps for every newcomer anyway; users online add up each live process's nicknames from the
presence's mirrors. A snapshot is one script call, made only by a process whose operators
are watching, once per refresh; it names at most as many users and members as the page
lists, so its cost does not grow with the number of users, and hardly with the number of
processes.

While Redis is unreachable (chat/cluster/link.py) `snapshot` answers None at once, and the
caller shows this process's own figures instead; the counts of those seconds are not added.
"""

import logging
import time

from ..core.stats import RATE_WINDOW
from .link import RedisUnavailable
from .shared_presence import PREFIX, lua_script

logger = logging.getLogger(__name__)

KEYS = "chat:figures:"
# A second's counter outlives every window it can be read in.
KEPT = RATE_WINDOW + 10
REPORT_INTERVAL = 1.0
# Members named in all rooms together; the rooms after that are listed with their counts.
MEMBERS_NAMED = 2000


class SharedFigures:
    """Adds this process's stored messages to Redis every second, and reads the figures of
    every process."""

    def __init__(self, link, stats, presence):
        self.link = link
        self.stats = stats
        self.presence = presence
        self._reported = 0
        self._figures = link.redis.register_script(lua_script("figures"))

    def start(self):
        """Report this process's messages every second from now on, in a background task."""
        self._reported = self.stats.messages
        self.link.runtime.spawn(self._report_every_second)

    def snapshot(self, listed, members_listed):
        """Users online, rooms occupied, messages per second and how many processes serve
        users, naming up to `listed` users and the first `listed` rooms (each with up to
        `members_listed` members, until MEMBERS_NAMED are named); None while Redis is
        unreachable."""
        rooms = self.presence.directory()
        shown = rooms[:listed]
        arguments = [PREFIX, KEYS, int(time.time()), RATE_WINDOW, listed, members_listed]
        arguments += [MEMBERS_NAMED, *(room["name"] for room in shown)]
        try:
            processes, messages, online, users, members = self.link.call(
                self._figures, args=arguments
            )
        except RedisUnavailable:
            return None
        return {
            "processes": processes,
            "messages_per_second": messages / RATE_WINDOW,
            "user_count": online,
            "users": sorted(users, key=str.casefold),
            "room_count": len(rooms),
            "rooms": [
                {
                    "name": room["name"],
                    "member_count": room["members"],
                    "members": sorted(names, key=str.casefold),
                }
                for room, names in zip(shown, members, strict=True)
            ],
        }

    def _report_every_second(self):
        """Background task: add what was stored since the last report, every second."""
        while True:
            self.link.runtime.sleep(REPORT_INTERVAL)
            try:
                self._report()
            except RedisUnavailable:
                pass  # the link said so once; these seconds' messages go uncounted
            except Exception:
                logger.exception("could not report this process's figures; trying again")

    def _report(self):
        """Add the messages stored since the last report to this second's counter."""
        stored = self.stats.messages
        new, self._reported = stored - self._reported, stored
        if not new:
            return
        counter = f"{KEYS}second:{int(time.time())}"
        pipe = self.link.redis.pipeline(transaction=False)
        pipe.incrby(counter, new)
        pipe.expire(counter, KEPT)
        self.link.call(pipe.execute)
