"""Throttling of guesses: after a few failed attempts from one address, the next attempt is
weighed only after a delay that doubles with every further failure.

A guess made while an address waits is refused without being weighed, so guessing gets no
faster by trying harder. The table is bounded: the addresses least recently heard from are
forgotten first, and every address is forgotten a while after its last failure.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    unreported: int = 0
    last_report: float = float("-inf")


class GuessThrottle:
    """Failed attempts per address, the wait each imposes, and summaries for the log."""

    def __init__(
        self,
        free_attempts=3,
        first_delay=1.0,
        longest_delay=300.0,
        forget_after=900.0,
        capacity=10_000,
        clock=time.monotonic,
    ):
        self.free_attempts = free_attempts
        self.first_delay = first_delay
        self.longest_delay = longest_delay
        self.forget_after = forget_after
        self.capacity = capacity
        self.clock = clock
        self._records = OrderedDict()

    def wait(self, address):
        """Seconds before an attempt from address will be weighed; 0 when it will be now."""
        record = self._record(address)
        if record is None or record.failures < self.free_attempts:
            return 0.0
        doublings = record.failures - self.free_attempts
        delay = min(self.longest_delay, self.first_delay * 2 ** min(doublings, 32))
        return max(0.0, record.last_failure + delay - self.clock())

    def failed(self, address):
        """Note a failed attempt from address."""
        record = self._record(address) or _Record()
        record.failures += 1
        record.last_failure = self.clock()
        self._records[address] = record
        self._records.move_to_end(address)
        while len(self._records) > self.capacity:
            self._records.popitem(last=False)

    def succeeded(self, address):
        """Forget the failures of an address that got in."""
        self._records.pop(address, None)

    def refused(self, address, report_every):
        """Count a refusal from address; return how many to report now (this one and those
        not yet reported), or 0 while the last report is younger than report_every seconds."""
        record = self._record(address) or _Record(last_failure=self.clock())
        self._records[address] = record
        record.unreported += 1
        now = self.clock()
        if now - record.last_report < report_every:
            return 0
        count, record.unreported, record.last_report = record.unreported, 0, now
        return count

    def _record(self, address):
        """The record of address, unless it is old enough to forget."""
        record = self._records.get(address)
        if record is not None and self.clock() - record.last_failure > self.forget_after:
            del self._records[address]
            return None
        return record
