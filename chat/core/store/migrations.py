"""Versioned schema migrations, recorded in the database they changed.

Each migration is a file `schema/<backend>/NNNN_name.sql`: statements ending with `;` at
the end of a line, run in one transaction with the row that records it in
`schema_migration`. The backend's store runs `upgrade` when it opens, holding a lock that
keeps every other process out meanwhile, so a database made by any earlier release is
brought up to date in place, once. Migration NNNN means the same schema on every backend.
"""

import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = Path(__file__).with_name("schema")

RECORD_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_ms BIGINT NOT NULL
)"""


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a later release than this one."""


@dataclass(frozen=True)
class Migration:
    """One schema change: its version, its name and its SQL statements."""

    version: int
    name: str
    path: Path

    def statements(self):
        """The file's statements, without comment lines."""
        lines = [line for line in self.path.read_text().splitlines() if not _comment(line)]
        text = "\n".join(lines) + "\n"
        return [part.strip() for part in text.split(";\n") if part.strip()]


def _comment(line):
    """Whether a line holds only an SQL comment."""
    return line.lstrip().startswith("--")


def migrations(backend):
    """The migrations of a backend ("sqlite" or "postgres"), oldest first."""
    found = []
    for path in sorted((SCHEMA / backend).glob("*.sql")):
        version, _, _ = path.stem.partition("_")
        found.append(Migration(int(version), path.stem, path))
    return found


def upgrade(cursor, backend, placeholder):
    """Apply the migrations the database lacks, within the caller's transaction and lock;
    return the names of those applied. `placeholder` is the driver's parameter marker."""
    cursor.execute(RECORD_TABLE)
    applied = {row[0] for row in cursor.execute("SELECT version FROM schema_migration")}
    known = migrations(backend)
    newest = max(applied, default=0)
    if newest > known[-1].version:
        raise SchemaTooNew(
            f"the database has schema version {newest}; this release knows up to "
            f"{known[-1].version}: run a newer release"
        )
    record = (
        "INSERT INTO schema_migration (version, name, applied_ms)"
        f" VALUES ({placeholder}, {placeholder}, {placeholder})"
    )
    names = []
    for migration in known:
        if migration.version in applied:
            continue
        for statement in migration.statements():
            cursor.execute(statement)
        cursor.execute(record, (migration.version, migration.name, int(time.time() * 1000)))
        names.append(migration.name)
    return names


def version(cursor):
    """The newest migration recorded in the database."""
    return cursor.execute("SELECT MAX(version) FROM schema_migration").fetchone()[0]
