"""History in PostgreSQL, shared by every host: psycopg 3 with connection pools.

Under eventlet every wait for PostgreSQL yields to other green threads: psycopg's own
Python implementation waits with `select.select`, which eventlet's monkey-patching makes
green (psycopg's C implementation waits in C, holding the event loop, so opening refuses
it there). Reads and writes therefore run where they are asked, like SQLite's, without a
thread: a slow query holds up its own caller only. Reads take a connection from a pool;
the writer has a connection of its own, so that reads never queue ahead of a commit.
"""

from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from . import migrations
from .base import (
    ACTIVITY_STEP_MS,
    COLUMNS,
    INSERTED,
    RESEND_IGNORED,
    HistoryStore,
    HistoryUnavailable,
    Resent,
    as_message,
)
from .queries import SharedQueries

# Any number, the same in every process: the lock a schema upgrade holds.
UPGRADE_LOCK = 0x63686174
# How long a write waits for another session's lock before it fails (as SQLite's busy
# timeout): a room's row locked elsewhere must not stall this process's commits for good.
LOCK_TIMEOUT_MS = 10_000
# Errors after which a batch is rolled back and tried again (HistoryStore._save_retrying).
RETRIED = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


class PostgresStore(HistoryStore, SharedQueries):
    """History in a PostgreSQL database; opening it brings its schema up to date."""

    cooperative = True

    def __init__(self, url, pool_size=10, timeout=10.0, on_event_loop=False):
        if on_event_loop and psycopg.pq.__impl__ != "python":
            raise RuntimeError(
                f"psycopg's {psycopg.pq.__impl__} implementation would hold the event loop "
                "while it waits for PostgreSQL: install psycopg without the c or binary extra"
            )
        options = {"open": False, "timeout": timeout}
        self._writers = ConnectionPool(
            url,
            min_size=1,
            max_size=1,
            name="writer",
            kwargs={"autocommit": True, "options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"},
            **options,
        )
        self._readers = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            name="readers",
            kwargs={"autocommit": True},
            **options,
        )
        try:
            for pool in (self._writers, self._readers):
                pool.open(wait=True, timeout=timeout)
            self.upgraded = self._upgrade()
        except BaseException:
            self.close()
            raise

    def _upgrade(self):
        """Apply missing migrations, one process at a time across every host."""
        with self._writers.connection() as connection, connection.transaction():
            # Another host may be migrating a long history: wait for it however long it takes.
            connection.execute("SET LOCAL lock_timeout = 0")
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (UPGRADE_LOCK,))
            return migrations.upgrade(connection.cursor(), "postgres", "%s")

    def save_batch(self, drafts, wait=True):
        """Store drafts in one transaction and return a Saved for each, in order.

        PostgreSQL's waits yield, so this always waits for other writers' locks (`wait` is
        for SQLite). A resend that reaches two hosts at once can pass both hosts' look for
        resends; the second insert then finds the first and stores nothing, and the batch is
        rolled back (giving back its seqs) and tried again, when the look finds it.
        """
        return self._save_retrying(self._transaction, drafts, RETRIED)

    @contextmanager
    def _transaction(self):
        """A write transaction on the writer's connection."""
        with self._writers.connection() as connection, connection.transaction():
            yield connection.cursor()

    def commits_wait_for_disk(self):
        """True: the server flushes its log at each commit (synchronous_commit, its default)."""
        return True

    def _find_sent(self, cursor, keys):
        """{key: message} for each (sender_key, client_id) already stored."""
        # One index look-up per key, whatever the planner estimates (LIMIT keeps the
        # subquery from being merged into a join).
        rows = cursor.execute(
            "SELECT sent.sender_key, found.* FROM unnest(%s::text[], %s::text[])"
            " AS sent (sender_key, client_id) CROSS JOIN LATERAL"
            f" (SELECT {COLUMNS} FROM message WHERE sender_key = sent.sender_key"
            " AND client_id = sent.client_id LIMIT 1) AS found",
            ([sender for sender, _ in keys], [client_id for _, client_id in keys]),
        ).fetchall()
        return {(row[0], row[-1]): as_message(row[1:]) for row in rows}

    def _count_in(self, cursor, totals):
        """Raise each room's last seq by its count, locking rooms in name order; return
        {room: new last seq}. A last_ts left as it was keeps the update off the indexes
        (a heap-only update)."""
        rooms, counts, newest = zip(*totals, strict=True)
        rows = cursor.execute(
            "INSERT INTO room (name, last_seq, last_ts)"
            " SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) ORDER BY 1"
            " ON CONFLICT (name) DO UPDATE SET last_seq = room.last_seq + excluded.last_seq,"
            " last_ts = CASE WHEN excluded.last_ts >= room.last_ts + %s"
            " THEN excluded.last_ts ELSE room.last_ts END RETURNING name, last_seq",
            (list(rooms), list(counts), list(newest), ACTIVITY_STEP_MS),
        ).fetchall()
        return dict(rows)

    def _insert(self, cursor, numbered_drafts):
        """Insert (draft, seq) pairs and return their messages, in the same order; raise
        Resent if one of them was stored before."""
        columns = zip(*(draft.values(seq) for draft, seq in numbered_drafts), strict=True)
        rows = cursor.execute(
            f"INSERT INTO message ({INSERTED})"
            " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[],"
            " %s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[])"
            f" {RESEND_IGNORED} RETURNING {COLUMNS}",
            [list(column) for column in columns],
        ).fetchall()
        if len(rows) < len(numbered_drafts):
            raise Resent("a draft of the batch was stored before")
        by_place = {(row[1], row[2]): as_message(row) for row in rows}
        return [by_place[(draft.room, seq)] for draft, seq in numbered_drafts]

    def search(self, room, words, limit):
        """Up to `limit` messages of a room with every one of `words` (each the start of a
        word of the text), newest first: the GIN index finds them with the room's lexeme."""
        rows = self._read(
            f"SELECT {COLUMNS} FROM message WHERE search @@"
            " (CAST('r' || md5(%s) || ':A' AS tsquery) && to_tsquery('simple', %s))"
            " AND room = %s ORDER BY id DESC LIMIT %s",
            (room, " & ".join(f"{word}:*" for word in words), room, limit),
        )
        return [as_message(row) for row in rows]

    def schema_version(self):
        """The version of the newest schema migration applied to the database."""
        with self._readers.connection() as connection:
            return migrations.version(connection.cursor())

    def close(self):
        """Close the pools and their connections."""
        for pool in (self._writers, self._readers):
            pool.close()

    def _read(self, sql, parameters, binary=False):
        """Run a read-only query on a pooled connection; HistoryUnavailable when the server
        does not answer.

        A connection pooled before the server restarted is broken, which the pool learns
        only by using it: the query is then run once more, after the pool has checked its
        other connections.
        """
        for attempt in range(2):
            connection = None
            try:
                with self._readers.connection() as connection:
                    return connection.execute(sql, parameters, binary=binary).fetchall()
            except psycopg.OperationalError as error:
                if attempt or connection is None or not connection.broken:
                    raise HistoryUnavailable(str(error)) from error
                self._readers.check()

    def _query(self, sql, parameters):
        """The rows of a read-only statement written with '?' placeholders."""
        return self._read(sql.replace("?", "%s"), parameters)

    def _query_apart(self, sql, parameters):
        """The rows of a read-only statement written with '?' placeholders, in PostgreSQL's
        binary format: a picture's megabytes arrive as they are, not spelled out in hex for
        the event loop to decode (a tenth of the time). Its waits yield, as every read's."""
        return self._read(sql.replace("?", "%s"), parameters, binary=True)

    def _change(self, sql, parameters):
        """The rows a writing statement written with '?' placeholders returns, committed on
        the writer's connection."""
        with self._writers.connection() as connection:
            cursor = connection.execute(sql.replace("?", "%s"), parameters)
            return cursor.fetchall() if cursor.description else []
