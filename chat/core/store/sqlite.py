"""History in one SQLite file in WAL mode, safe to share between processes on one host.

Queries are in-process calls of a few microseconds on indexes, so reads run where they are
asked (the event loop under eventlet) and so do commits that wait neither for the disk nor
for another process's lock (see chat/core/writer.py).
"""

import sqlite3
import threading
import time
from contextlib import contextmanager

from . import migrations
from .base import (
    ACTIVITY_STEP_MS,
    COLUMNS,
    INSERTED,
    RESEND_IGNORED,
    HistoryStore,
    Resent,
    StoreBusy,
    as_message,
)
from .queries import SharedQueries

# A placeholder for each inserted column.
INSERTED_PLACES = ", ".join("?" for _ in INSERTED.split(","))
# How long a connection waits for another process's lock before giving up.
BUSY_TIMEOUT_MS = 10_000
# Search index pages merged per step of the checkpoints' upkeep (`merge_search_step`): the
# writer runs up to its MERGE_STEPS per checkpoint, enough to keep up with a busy chat's commits
# so that FTS5 never has to merge inside one (its "crisis merge"), each step its own
# transaction so that a commit meeting the merge waits for one step, not all of them.
SEARCH_MERGE_STEP = 100


@contextmanager
def _transaction(connection):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (a failed COMMIT included)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection.cursor()
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _enter_wal(connection):
    """Put the connection's database in WAL mode. A new file's switch needs the file to
    itself for a moment and SQLite does not wait for that, so another process switching it at
    the same time is waited for here, within the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class SQLiteStore(HistoryStore, SharedQueries):
    """History in one SQLite file; opening it brings its schema up to date."""

    needs_checkpoints = True

    def __init__(self, path, synchronous="NORMAL"):
        self.path = path
        self.synchronous = synchronous
        self._writer = self._connect()
        with _transaction(self._writer) as cursor:
            self.upgraded = migrations.upgrade(cursor, "sqlite", "?")
        # Writes for a caller that will not wait for another process's lock.
        self._eager_writer = self._connect(busy_timeout_ms=0)
        # A commit never copies the log into the database itself (that is when the disk is
        # flushed): `checkpoint` does, on a connection of its own, off the writers' path.
        for connection in (self._writer, self._eager_writer):
            connection.execute("PRAGMA wal_autocheckpoint=0")
        self._reader = self._connect()
        self._read_lock = threading.Lock()

    def _connect(self, busy_timeout_ms=BUSY_TIMEOUT_MS):
        """Open a connection with the pragmas every connection needs."""
        connection = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        _enter_wal(connection)
        connection.execute(f"PRAGMA synchronous={self.synchronous}")
        connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        return connection

    def save_batch(self, drafts, wait=True):
        """Store drafts in one transaction and return a Saved for each, in order."""
        return self._save_retrying(lambda: self._writing(wait), drafts)

    @contextmanager
    def _writing(self, wait):
        """A write transaction, on the connection that waits for the lock or the one that
        does not."""
        connection = self._writer if wait else self._eager_writer
        try:
            with _transaction(connection) as cursor:
                yield cursor
        except sqlite3.OperationalError as error:
            if not wait and error.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                raise StoreBusy(str(error)) from error
            raise

    def commits_wait_for_disk(self):
        """Whether every commit flushes the disk (FULL or EXTRA), not only checkpoints."""
        return self.synchronous.upper() in ("FULL", "EXTRA")

    def merge_search_step(self):
        """Merge up to SEARCH_MERGE_STEP pages of the search index's segments in a transaction
        of its own; return whether there were any to merge (FTS5 then changes two rows or
        more). On a connection of its own, like `checkpoint`."""
        connection = self._connect()
        try:
            before = connection.total_changes
            connection.execute(
                "INSERT INTO message_search (message_search, rank) VALUES ('merge', ?)",
                (SEARCH_MERGE_STEP,),
            )
            return connection.total_changes - before >= 2
        finally:
            connection.close()

    def checkpoint(self):
        """Copy committed transactions from the log into the database file without waiting
        for readers or writers; return (pages in the log, pages copied). On a connection of
        its own, so that it may run in any thread, even while the store closes."""
        connection = self._connect()
        try:
            _, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            connection.close()
        return logged, copied

    def _find_sent(self, cursor, keys):
        """{key: message} for each (sender_key, client_id) already stored."""
        found = {}
        for key in keys:
            row = cursor.execute(
                f"SELECT {COLUMNS} FROM message WHERE sender_key = ? AND client_id = ?", key
            ).fetchone()
            if row is not None:
                found[key] = as_message(row)
        return found

    def _count_in(self, cursor, totals):
        """Raise each room's last seq by its count; return {room: new last seq}."""
        last_seqs = {}
        for room, count, newest in totals:
            row = cursor.execute(
                "UPDATE room SET last_seq = last_seq + ? WHERE name = ?"
                " RETURNING last_seq, last_ts",
                (count, room),
            ).fetchone()
            if row is None:
                cursor.execute(
                    "INSERT INTO room (name, last_seq, last_ts) VALUES (?, ?, ?)",
                    (room, count, newest),
                )
                last_seqs[room] = count
                continue
            last_seqs[room], last_ts = row
            if newest >= last_ts + ACTIVITY_STEP_MS:
                cursor.execute("UPDATE room SET last_ts = ? WHERE name = ?", (newest, room))
        return last_seqs

    def _insert(self, cursor, numbered_drafts):
        """Insert (draft, seq) pairs and return their messages, in the same order; raise
        Resent if one of them was stored before."""
        messages = []
        for draft, seq in numbered_drafts:
            row = cursor.execute(
                f"INSERT INTO message ({INSERTED}) VALUES ({INSERTED_PLACES})"
                f" {RESEND_IGNORED} RETURNING {COLUMNS}",
                draft.values(seq),
            ).fetchone()
            if row is None:
                raise Resent(draft.key)
            messages.append(as_message(row))
        return messages

    # A search reads the whole list of a common word's messages: tens of milliseconds in a
    # history of millions, too long for the event loop. It runs on a connection of its own
    # so that it may run in a thread.
    slow_reads_block = True

    def search(self, room, words, limit):
        """Up to `limit` messages of a room with every one of `words` (each the start of a
        word of the text), newest first: FTS5 finds them in the room's scope. On a
        connection of its own, so that it may run in any thread."""
        query = " AND ".join(
            [f'scope : "{search_scope(room)}"', *(f'text : "{word}"*' for word in words)]
        )
        connection = self._connect()
        try:
            rows = connection.execute(
                f"SELECT {COLUMNS} FROM message WHERE id IN (SELECT rowid FROM message_search"
                " WHERE message_search MATCH ? ORDER BY rowid DESC LIMIT ?) AND room = ?"
                " ORDER BY id DESC",
                (query, limit, room),
            ).fetchall()
        finally:
            connection.close()
        return [as_message(row) for row in rows]

    def schema_version(self):
        """The version of the newest schema migration applied to the database."""
        with self._read_lock:
            return migrations.version(self._reader.cursor())

    def close(self):
        """Close the connections."""
        for connection in (self._writer, self._eager_writer, self._reader):
            connection.close()

    def _read(self, sql, parameters):
        """Run a read-only query on the reader connection."""
        with self._read_lock:
            return self._reader.execute(sql, parameters).fetchall()

    _query = _read

    def _query_apart(self, sql, parameters):
        """Run a read-only query on a connection of its own, so that it may run in any
        thread (a picture's megabytes, read off the event loop)."""
        connection = self._connect()
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()

    def _change(self, sql, parameters):
        """The rows a writing statement returns, committed on the writer's connection."""
        with _transaction(self._writer) as cursor:
            return cursor.execute(sql, parameters).fetchall()


def search_scope(room):
    """The token naming a room in the search index: 'r' and its UTF-8 name in hex, as the
    index's source view writes it (migration 0005)."""
    return "r" + room.encode("utf-8").hex()
