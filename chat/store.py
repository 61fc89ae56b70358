"""Message history in SQLite: schema, batched writes and reads. Knows nothing of Socket.IO.

Any backend offering the same methods (`save_batch`, `delete`, `recent`, `after`,
`room_names`, `close`) can replace this one, e.g. PostgreSQL for several hosts.
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
        self._reader = self._connect()
        self._read_lock = threading.Lock()

    def _connect(self):
        """Open a connection with the pragmas every connection needs."""
        connection = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={self.synchronous}")
        connection.execute("PRAGMA busy_timeout=10000")
        return connection

    def save_batch(self, drafts):
        """Store drafts in one transaction and return a Saved for each, in order.

        Called from one writer at a time; a failure raises and stores none of them.
        """
        results = []
        with _transaction(self._writer) as cursor:
            for draft in drafts:
                results.append(self._insert(cursor, draft))
        return results

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

    def room_names(self, limit):
        """Names of the rooms with history, most recently active first."""
        rows = self._read(
            "SELECT room FROM message GROUP BY room ORDER BY MAX(id) DESC LIMIT ?", (limit,)
        )
        return [row[0] for row in rows]

    def close(self):
        """Close both connections."""
        self._writer.close()
        self._reader.close()

    def _read(self, sql, parameters):
        """Run a read-only query on the reader connection."""
        with self._read_lock:
            return self._reader.execute(sql, parameters).fetchall()
