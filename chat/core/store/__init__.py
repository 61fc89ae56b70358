"""Message history: one interface (`base.HistoryStore`), two databases. Nothing outside this
package writes SQL.

- `sqlite.py`: one SQLite file, the zero-setup default, for the processes of one host;
- `postgres.py`: PostgreSQL, for several hosts;
- `migrations.py` and `schema/`: versioned schema changes, applied when a store opens.
"""

from urllib.parse import urlsplit, urlunsplit

from .base import Draft, HistoryStore, HistoryUnavailable, Saved, StoreBusy
from .migrations import SchemaTooNew

__all__ = [
    "Draft",
    "HistoryStore",
    "HistoryUnavailable",
    "Saved",
    "SchemaTooNew",
    "StoreBusy",
    "open_store",
    "shown",
]

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres(database):
    """Whether a DATABASE setting names PostgreSQL (a URL) rather than a SQLite file."""
    return urlsplit(database).scheme in POSTGRES_SCHEMES


def open_store(database, synchronous="NORMAL", pool_size=10, on_event_loop=False):
    """The store a DATABASE setting names: a postgresql:// URL, or a SQLite file's path.

    `on_event_loop` says that calls will come from green threads of one event loop. The
    backends are imported on first use: a SQLite deployment never loads psycopg.
    """
    if is_postgres(database):
        from .postgres import PostgresStore

        return PostgresStore(database, pool_size=pool_size, on_event_loop=on_event_loop)
    from .sqlite import SQLiteStore

    return SQLiteStore(database, synchronous)


def shown(database):
    """A DATABASE setting as it may appear in a log: a URL's password hidden."""
    if not is_postgres(database):
        return database
    parts = urlsplit(database)
    if parts.password is None:
        return database
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
