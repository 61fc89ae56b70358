"""Message history in SQLite: schema, batched writes and reads. Knows nothing of Socket.IO.

Any backend offering the same methods (`save_batch`, `delete`, `recent`, `after`,
`room_names`, `checkpoint`, `commits_wait_for_disk`, `close`) can replace this one, e.g.
PostgreSQL for several hosts.
"""

import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    nick TEXT NOT NULL,
    sender_key TEXT NOT NULL,
    client_id TEXT,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS message_room_id ON message (room, id);
CREATE UNIQUE INDEX IF NOT EXISTS message_sender_client
    ON message (sender_key, client_id) WHERE client_id IS NOT NULL;
"""

_COLUMNS = "id, room, nick, text, ts, client_id"
# How long a connection waits for another process's lock before giving up.
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Draft:
    """A message about to be stored; `client_id` makes a resend idempotent."""

    room: str
    nick: str
    sender_key: str
    text: str
    ts: int
    client_id: str | None = None


@dataclass(frozen=True)
class Saved:
    """The stored form of a draft; `duplicate` is true when it had been stored before."""

    message: dict
    duplicate: bool


class StoreBusy(Exception):
    """Another process holds the database's write lock, and the caller would not wait."""


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


def _as_message(row):
    """A row as the public message shape."""
    message = {"id": row[0], "room": row[1], "nick": row[2], "text": row[3], "ts": row[4]}
    if row[5] is not None:
        message["client_id"] = row[5]
    return message


class SQLiteStore:
    """History in one SQLite file in WAL mode, safe to share between processes on one host."""

    def __init__(self, path, synchronous="NORMAL"):
        self.path = path
        self.synchronous = synchronous
        self._writer = self._connect()
        self._writer.executescript(SCHEMA)
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
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={self.synchronous}")
        connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        return connection

    def save_batch(self, drafts, wait=True):
        """Store drafts in one transaction and return a Saved for each, in order.

        Called from one writer at a time; a failure raises and stores none of them. With
        wait false, StoreBusy comes at once instead of waiting for another process's write.
        """
        results = []
        with self._writing(wait) as cursor:
            for draft in drafts:
                results.append(self._insert(cursor, draft))
        return results

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

    def checkpoint(self):
        """Copy committed transactions from the log into the database file, without waiting
        for readers or writers; return (pages in the log, pages copied). On a connection of
        its own, so that it may run in any thread, even while the store closes."""
        connection = self._connect()
        try:
            _, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            connection.close()
        return logged, copied

    def _insert(self, cursor, draft):
        """Insert one draft, or find the message an earlier send of it created."""
        row = cursor.execute(
            "INSERT INTO message (room, nick, sender_key, client_id, text, ts)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING " + _COLUMNS,
            (draft.room, draft.nick, draft.sender_key, draft.client_id, draft.text, draft.ts),
        ).fetchone()
        if row is not None:
            return Saved(_as_message(row), duplicate=False)
        row = cursor.execute(
            f"SELECT {_COLUMNS} FROM message WHERE sender_key = ? AND client_id = ?",
            (draft.sender_key, draft.client_id),
        ).fetchone()
        return Saved(_as_message(row), duplicate=True)

    def delete(self, message_id):
        """Delete one message; return it, or None when there was none."""
        with _transaction(self._writer) as cursor:
            row = cursor.execute(
                f"DELETE FROM message WHERE id = ? RETURNING {_COLUMNS}", (message_id,)
            ).fetchone()
        return _as_message(row) if row else None

    def recent(self, room, limit):
        """The last `limit` messages of a room, oldest first."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM message WHERE room = ? ORDER BY id DESC LIMIT ?",
            (room, limit),
        )
        return [_as_message(row) for row in reversed(rows)]

    def after(self, room, after_id, limit):
        """Up to `limit` messages of a room with an id above `after_id`, oldest first."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM message WHERE room = ? AND id > ? ORDER BY id LIMIT ?",
            (room, after_id, limit),
        )
        return [_as_message(row) for row in rows]

    def has_history(self, room):
        """Whether any message of a room is stored."""
        return bool(self._read("SELECT 1 FROM message WHERE room = ? LIMIT 1", (room,)))

    def room_names(self, limit):
        """Names of the rooms with history, most recently active first."""
        rows = self._read(
            "SELECT room FROM message GROUP BY room ORDER BY MAX(id) DESC LIMIT ?", (limit,)
        )
        return [row[0] for row in rows]

    def close(self):
        """Close the connections."""
        for connection in (self._writer, self._eager_writer, self._reader):
            connection.close()

    def _read(self, sql, parameters):
        """Run a read-only query on the reader connection."""
        with self._read_lock:
            return self._reader.execute(sql, parameters).fetchall()
