"""The operators' figures over every process sharing one Redis: messages per second, users
online and rooms.

Each process adds the messages it stored to a counter per wall-clock second, in one call a
second however many it stored (and none in a second it stored none). Rooms and their member
counts are the shared presence's room directory (chat/cluster/shared_presence.py), which it
keeps for every newcomer anyway; users online add up each live process's nicknames from the
presence's mirrors. A snapshot is one script call, made only by a process whose operators
are watching, once per refresh; it names at most as many users and members as the page
lists, so its cost does not grow with the number of users, and hardly with the number of
processes. The chart's samples (`counts`, one call per sample interval) name nobody.

While Redis is unreachable (chat/cluster/link.py) `snapshot` and `counts` answer None at
once, and the caller shows this process's own figures instead; the counts of those seconds
are not added.
"""

import logging
import time

from ..core.presence import listed_nick
from ..core.stats import RATE_WINDOW
from .link import RedisUnavailable
from .shared_presence import PREFIX, lua_script

logger = logging.getLogger(__name__)

KEYS = "chat:figures:"
# Seconds a second's counter outlives the longest window it is read in.
KEPT_AFTER = 10
REPORT_INTERVAL = 1.0
# Members named in all rooms together; the rooms after that are listed with their counts.
MEMBERS_NAMED = 2000


class SharedFigures:
    """Adds this process's stored messages to Redis every second, and reads the figures of
    every process; counts are read over at most `longest_window` seconds."""

    def __init__(self, link, stats, presence, longest_window):
        self.link = link
        self.stats = stats
        self.presence = presence
        self.longest_window = max(RATE_WINDOW, round(longest_window))
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
        naming = [listed, members_listed, MEMBERS_NAMED, *(room["name"] for room in shown)]
        answer = self._figures_over(RATE_WINDOW, naming)
        if answer is None:
            return None
        processes, messages, online, users, members = answer
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
                    "members": [listed_nick(key) for key in keys],
                }
                for room, keys in zip(shown, members, strict=True)
            ],
        }

    def counts(self, seconds):
        """(messages stored per second over the last `seconds` whole seconds, users online)
        over every process; None while Redis is unreachable."""
        window = min(max(1, round(seconds)), self.longest_window)
        answer = self._figures_over(window, [0, 0, 0])
        if answer is None:
            return None
        _, messages, online, _, _ = answer
        return messages / window, online

    def _figures_over(self, window, naming):
        """The figures script's answer for the last `window` seconds, naming as `naming`
        says (users listed, members listed, members named in all, rooms); None while Redis
        is unreachable."""
        arguments = [PREFIX, KEYS, int(time.time()), window, *naming]
        try:
            return self.link.call(self._figures, args=arguments)
        except RedisUnavailable:
            return None

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
        pipe.expire(counter, self.longest_window + KEPT_AFTER)
        self.link.call(pipe.execute)
