"""Counting deliveries and summarising latencies without storing every sample."""

import math
import time
from array import array

# Keeping 7 significant bits bounds the bucket error below 1%.
HISTOGRAM_BITS = 7


class Histogram:
    """Counts of non-negative integers in log-linear buckets, mergeable."""

    def __init__(self, counts=None, maximum=0):
        self.counts = dict(counts or {})
        self.maximum = maximum

    def add(self, value):
        """Count one value."""
        shift = value.bit_length() - HISTOGRAM_BITS
        bucket = value >> shift << shift if shift > 0 else value
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        if value > self.maximum:
            self.maximum = value

    def merge(self, other):
        """Add another histogram's counts to this one."""
        for bucket, count in other.counts.items():
            self.counts[bucket] = self.counts.get(bucket, 0) + count
        self.maximum = max(self.maximum, other.maximum)

    def total(self):
        """Return how many values were counted."""
        return sum(self.counts.values())

    def percentile(self, fraction):
        """Return the bucket holding the given fraction of values (nearest rank)."""
        total = self.total()
        if total == 0:
            return None
        rank = max(1, math.ceil(fraction * total))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return bucket
        return self.maximum


def percentile(sorted_values, fraction):
    """Return the nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def grow(buffer, index):
    """Zero-extend an array or bytearray so that `index` is valid."""
    missing = index + 1 - len(buffer)
    if missing > 0:
        buffer.frombytes(bytes(max(missing, len(buffer)) * buffer.itemsize))


class DeliveryTally:
    """What one process's receivers got: distinct deliveries and latencies."""

    def __init__(self):
        self.receivers_per_message = {}
        self.duplicates = 0
        self.latency_us = Histogram()
        self.first_ns = None
        self.last_ns = None
        self.last_activity_ns = time.monotonic_ns()

    def record(self, sender, sequence, sent_ns, now_ns):
        """Count one first-time delivery of a message."""
        counts = self.receivers_per_message.get(sender)
        if counts is None:
            counts = self.receivers_per_message[sender] = array("I")
        grow(counts, sequence)
        counts[sequence] += 1
        self.latency_us.add(max(0, now_ns - sent_ns) // 1000)
        if self.first_ns is None:
            self.first_ns = now_ns
        self.last_ns = self.last_activity_ns = now_ns


class Receiver:
    """One client's view of deliveries, so repeats can be told from firsts."""

    def __init__(self, tally):
        self.tally = tally
        self.seen = {}

    def on_chat_message(self, payload):
        """Record a benchmark message; ignore anything else."""
        now_ns = time.monotonic_ns()
        fields = str(payload.get("text", "")).split(" ")
        if len(fields) != 4 or fields[0] != "bench":
            return
        sender, sequence, sent_ns = int(fields[1]), int(fields[2]), int(fields[3])
        flags = self.seen.get(sender)
        if flags is None:
            flags = self.seen[sender] = array("B")
        grow(flags, sequence)
        if flags[sequence]:
            self.tally.duplicates += 1
            return
        flags[sequence] = 1
        self.tally.record(sender, sequence, sent_ns, now_ns)
