"""S5's probes, run beside the senders: the form page reloaded in a loop, and one user who
joins rooms with long histories, catches up from somewhere in the middle, and leaves; each
request timed."""

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

PAGE_TIMEOUT_S = 10.0
ACK_TIMEOUT_S = 10.0
# A pause between one probed room and the next.
PROBE_PAUSE_S = 0.1
# Messages a catch-up asks for at most (the server's batch).
CATCH_UP_BATCH = 200


@dataclass
class ProbeTimes:
    """What the probes measured, in milliseconds, and what failed."""

    page_ms: list = field(default_factory=list)
    join_ms: list = field(default_factory=list)
    catch_up_ms: list = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)


async def load_page(host, port):
    """GET / once, over a connection of its own; the milliseconds until the whole page came,
    or None when the answer was not 200."""
    began = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        answer = await reader.read()
    finally:
        writer.close()
    return (time.monotonic() - began) * 1000 if answer.startswith(b"HTTP/1.1 200") else None


async def reload_pages(host, port, deadline_ns, times):
    """Load the form page again as soon as it came, until the deadline."""
    while time.monotonic_ns() < deadline_ns:
        try:
            took = await asyncio.wait_for(load_page(host, port), PAGE_TIMEOUT_S)
        except (OSError, TimeoutError):
            took = None
        if took is None:
            times.failures["page"] += 1
        else:
            times.page_ms.append(took)


async def probe_joins(client, rooms, deadline_ns, times):
    """Join a random room of `rooms`, catch up from a random seq of its history, leave; again
    until the deadline."""
    while time.monotonic_ns() < deadline_ns and client.alive:
        room = f"bench-{random.randrange(rooms)}"
        joined = await timed(client, "join", {"room": room}, times.join_ms, times)
        if joined is None:
            continue
        newest = joined["history"][-1]["seq"] if joined["history"] else 0
        after_seq = random.randrange(max(1, newest - CATCH_UP_BATCH))
        catch_up = {"room": room, "after_seq": after_seq}
        await timed(client, "history", catch_up, times.catch_up_ms, times)
        await timed(client, "leave", {"room": room}, [], times)
        await asyncio.sleep(PROBE_PAUSE_S)


async def timed(client, event, payload, into, times):
    """Send event with payload, add the milliseconds until its ack to into; the ack, or None
    (counted as a failure) when it was not ok."""
    began = time.monotonic()
    try:
        ack = await asyncio.wait_for(client.emit(event, payload), ACK_TIMEOUT_S)
    except TimeoutError:
        ack = None
    if not (isinstance(ack, dict) and ack.get("ok")):
        times.failures[event] += 1
        return None
    into.append((time.monotonic() - began) * 1000)
    return ack
