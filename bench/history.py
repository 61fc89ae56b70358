"""Long histories for S5: SQLite databases of 1 million and 10 million stored messages, built
once under bench/cache/ and copied for each run.

The schema is the store's own: opening the store applies its migrations. The rows are then
generated inside SQLite, a million per transaction, as the store writes them: ROOMS rooms
named as the benchmark's (`bench-0`, `bench-1`, ...) taking turns, each room's seqs from 1
without a gap in id order, a client id on every message (the page sends one with each), and
one row per room with its last seq and the time of its newest message. Generating them in
SQL takes minutes for ten million; the store's batch writes would take hours here.
"""

import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / "cache"
ROOMS = 1000
USERS = 5000
CHUNK = 1_000_000
# The first message's time, in milliseconds, and the time between two messages.
FIRST_TS_MS = 1_700_000_000_000
STEP_MS = 10
FTS5_DEFAULT_AUTOMERGE = 4
AUTOMERGE = "INSERT INTO message_search (message_search, rank) VALUES ('automerge', ?)"

MESSAGES = """
WITH RECURSIVE counter(i) AS (SELECT :start UNION ALL SELECT i + 1 FROM counter WHERE i < :end)
INSERT INTO message (room, seq, nick, sender_key, client_id, text, ts)
SELECT 'bench-' || (i % :rooms), i / :rooms + 1, 'user' || (i % :users), 'user' || (i % :users),
       'fill-' || i, 'history message ' || i || ' with a few ordinary words in it',
       :first + i * :step
FROM counter
"""


def history_database(messages):
    """The path of a database holding `messages` stored messages, built on first use."""
    path = CACHE_DIR / f"history-{messages}.sqlite3"
    if not path.exists():
        build(path, messages)
    return path


def copy_history(messages, destination):
    """Copy the database of `messages` messages to destination (a file the run may change),
    flushed to the disk before the run starts."""
    shutil.copyfile(history_database(messages), destination)
    # Otherwise the kernel writes the copy's gigabytes back during the run, on the same cores.
    with open(destination, "rb") as copy:
        os.fsync(copy.fileno())


def build(path, messages):
    """Create the store's schema in a new file, then fill it; renamed into place when done."""
    sys.path.insert(0, str(BENCH_DIR.parent))
    from chat.core.store import open_store

    CACHE_DIR.mkdir(exist_ok=True)
    building = path.with_suffix(".building")
    for leftover in CACHE_DIR.glob(f"{building.name}*"):
        leftover.unlink()
    began = time.monotonic()
    open_store(str(building)).close()
    with sqlite3.connect(building, isolation_level=None) as connection:
        # A cache: if the machine stops while it is built, it is built again.
        connection.execute("PRAGMA synchronous=OFF")
        # Room enough for the indexes, so that inserting in room order costs no page reads.
        connection.execute("PRAGMA cache_size=-2000000")
        # The search index merged as it grows, as FTS5 does by default: the shape a history
        # written over time leaves it in (the store leaves that merging to its checkpoints).
        connection.execute(AUTOMERGE, (FTS5_DEFAULT_AUTOMERGE,))
        fill(connection, messages)
        connection.execute(AUTOMERGE, (0,))
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    building.rename(path)
    print(
        f"built {path.name}: {messages:,} messages in {time.monotonic() - began:.0f} s",
        file=sys.stderr,
    )


def fill(connection, messages):
    """Insert the messages a million per transaction, then the room rows."""
    names = {"rooms": ROOMS, "users": USERS, "first": FIRST_TS_MS, "step": STEP_MS}
    for start in range(0, messages, CHUNK):
        connection.execute("BEGIN")
        end = min(start + CHUNK, messages) - 1
        connection.execute(MESSAGES, {**names, "start": start, "end": end})
        connection.execute("COMMIT")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO room (name, last_seq, last_ts) VALUES (?, ?, ?)", room_rows(messages)
    )
    connection.execute("COMMIT")


def room_rows(messages):
    """(name, last seq, newest ts) of each room, message i having gone to room i % ROOMS."""
    for room in range(min(ROOMS, messages)):
        count = (messages - room + ROOMS - 1) // ROOMS
        newest = room + (count - 1) * ROOMS
        yield f"bench-{room}", count, FIRST_TS_MS + newest * STEP_MS
