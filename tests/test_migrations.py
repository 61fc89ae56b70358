"""A database made by an earlier release is upgraded in place, its history intact: at start-up
(in process, and by the real server) and by `flask chat migrate`."""

import contextlib
import os
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from servers import ROOT, GunicornServer
from test_server import ChatClient

from chat import StartupError, create_app
from chat.core.store import Draft, migrations, open_store

pytestmark = pytest.mark.timeout(60)

# The schema exactly as the release before seq numbers created it (chat/core/store.py).
FIRST_RELEASE_SCHEMA = """
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
# The migrations that followed version 2 (seq numbers).
SINCE_VERSION_2 = [
    "0003_nicknames",
    "0004_authors_direct_and_read",
    "0005_search",
    "0006_pictures",
    "0007_search_merged_apart",
    "0008_pictures_shown",
]
# (room, nick, client_id, text): the lobby and the kitchen interleaved, as people talk.
HISTORY = [
    ("lobby", "alice", "a-1", "hello"),
    ("kitchen", "bob", None, "anyone cooking?"),
    ("lobby", "bob", "b-1", "hi alice"),
    ("lobby", "alice", "a-2", "how are you"),
    ("kitchen", "carol", "c-1", "soup tonight"),
    ("lobby", "carol", None, "evening all"),
    ("lobby", "bob", "b-2", "removed by a moderator"),
]


def first_release_database(path):
    """A SQLite file as the earlier release left it: WAL mode, history in two rooms, and its
    newest message deleted (so the highest id given out is not in the table)."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as database:
        database.execute("PRAGMA journal_mode=WAL")
        database.executescript(FIRST_RELEASE_SCHEMA)
        for ts, (room, nick, client_id, text) in enumerate(HISTORY, start=1000):
            database.execute(
                "INSERT INTO message (room, nick, sender_key, client_id, text, ts)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (room, nick, f"key:{nick}", client_id, text, ts),
            )
        database.execute("DELETE FROM message WHERE id = ?", (len(HISTORY),))
    return str(path)


def kept(room):
    """The texts the history of a room holds after the moderator's removal."""
    return [text for r, _, _, text in HISTORY[:-1] if r == room]


@pytest.fixture
def old_database(tmp_path):
    return first_release_database(tmp_path / "chat.sqlite3")


def test_the_app_upgrades_a_first_release_database_in_place_with_history_intact(old_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": old_database})
    store = app.extensions["chat"].store
    try:
        assert store.upgraded == ["0001_message", "0002_seq_and_rooms", *SINCE_VERSION_2]
        lobby = store.recent("lobby", 50)
        assert [m["text"] for m in lobby] == kept("lobby")
        assert [m["id"] for m in lobby] == [1, 3, 4, 6], "ids are kept"
        assert [m["seq"] for m in lobby] == [1, 2, 3, 4], "seqs follow the ids, per room"
        assert [m["seq"] for m in store.recent("kitchen", 50)] == [1, 2]
        assert lobby[0]["client_id"] == "a-1" and lobby[0]["nick"] == "alice"
        assert store.room_names(10) == ["lobby", "kitchen"]
        [resend, new] = store.save_batch(
            [draft_of("alice", "hello", "a-1"), draft_of("alice", "still here", "a-3")]
        )
        assert resend.duplicate and resend.message["id"] == 1, "resends are still recognised"
        assert new.message["seq"] == 5
        assert new.message["id"] == len(HISTORY) + 1, "the deleted message's id is not reused"
    finally:
        store.close()


def draft_of(nick, text, client_id):
    return Draft("lobby", nick, f"key:{nick}", text, ts=2000, client_id=client_id)


def test_the_real_server_serves_the_history_of_a_first_release_database(old_database, tmp_path):
    with GunicornServer(tmp_path, env={"FLASK_DATABASE": old_database}) as server:
        alice = ChatClient(server.url, "alice")
        ack = alice.call("join", {"room": "lobby"})
        assert [m["text"] for m in ack["history"]] == kept("lobby")
        assert [m["seq"] for m in ack["history"]] == [1, 2, 3, 4]
        caught_up = alice.call("join", {"room": "kitchen", "after_seq": 1})
        assert [m["text"] for m in caught_up["history"]] == ["soup tonight"]
        sent = alice.call("chat message", {"room": "lobby", "text": "upgraded"})
        assert sent["ok"] and sent["seq"] == 5
        alice.close()


def flask_chat(database, *arguments):
    """Run `flask chat ...` from the repository, as an operator does; return its result."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "chat", *arguments],
        cwd=ROOT,
        env={**os.environ, "FLASK_DATABASE": database, "FLASK_SECRET_KEY": "test"},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_flask_chat_migrate_upgrades_a_first_release_database_and_then_has_nothing_to_do(
    old_database,
):
    first = flask_chat(old_database, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Applied 0001_message" in first.stdout and "Applied 0002_seq_and_rooms" in first.stdout
    newest = migrations.migrations("sqlite")[-1].version
    assert f"is at version {newest}." in first.stdout
    again = flask_chat(old_database, "migrate")
    assert again.returncode == 0 and "Applied" not in again.stdout
    assert f"is at version {newest}." in again.stdout
    with contextlib.closing(sqlite3.connect(old_database)) as database:
        seqs = database.execute("SELECT seq FROM message WHERE room = 'lobby' ORDER BY id")
        assert [seq for (seq,) in seqs] == [1, 2, 3, 4]


def test_flask_chat_migrate_hides_a_postgresql_password(postgres_database):
    result = flask_chat(postgres_database, "migrate")
    assert result.returncode == 0, result.stderr
    assert "postgres:***@127.0.0.1" in result.stdout and "chat-test" not in result.stdout


def test_a_database_from_a_later_release_is_refused_with_a_reason(old_database):
    with contextlib.closing(sqlite3.connect(old_database, isolation_level=None)) as database:
        database.execute(migrations.RECORD_TABLE)
        database.execute("INSERT INTO schema_migration VALUES (99, '0099_future', 0)")
    with pytest.raises(StartupError, match="schema version 99"):
        create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": old_database})


def test_a_postgresql_database_at_version_1_is_numbered_in_place(postgres_database):
    [first] = migrations.migrations("postgres")[:1]
    with psycopg.connect(postgres_database) as database:
        database.execute(migrations.RECORD_TABLE)
        for statement in first.statements():
            database.execute(statement)
        database.execute("INSERT INTO schema_migration VALUES (1, %s, 0)", (first.name,))
        for ts, (room, nick, client_id, text) in enumerate(HISTORY, start=1000):
            database.execute(
                "INSERT INTO message (room, nick, sender_key, client_id, text, ts)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (room, nick, f"key:{nick}", client_id, text, ts),
            )
    store = open_store(postgres_database)
    try:
        assert store.upgraded == ["0002_seq_and_rooms", *SINCE_VERSION_2]
        assert [m["seq"] for m in store.recent("lobby", 50)] == [1, 2, 3, 4, 5]
        assert store.room_names(10) == ["lobby", "kitchen"]
        assert store.save_batch([draft_of("bob", "next", None)])[0].message["seq"] == 6
    finally:
        store.close()


# The release before nickname reservations, direct messages, edits and search: version 2.


def database_at(database, version, **by_nick):
    """A database (SQLite or PostgreSQL) at schema `version`, holding HISTORY as that release
    stored it: seqs per room and a room row each; each column named in `by_nick` set to its
    function of the author's nickname."""
    backend, connection = _connect(database)
    mark = "?" if backend == "sqlite" else "%s"
    columns = ["room", "seq", "nick", "sender_key", "client_id", "text", "ts", *by_nick]
    insert = (
        f"INSERT INTO message ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    )
    with contextlib.closing(connection):
        connection.execute(migrations.RECORD_TABLE)
        for migration in migrations.migrations(backend)[:version]:
            for statement in migration.statements():
                connection.execute(statement)
            connection.execute(
                f"INSERT INTO schema_migration VALUES ({mark}, {mark}, 0)",
                (migration.version, migration.name),
            )
        seqs = {}
        for ts, (room, nick, client_id, text) in enumerate(HISTORY, start=1000):
            seqs[room] = seqs.get(room, 0) + 1
            by_author = (column(nick) for column in by_nick.values())
            values = (room, seqs[room], nick, f"key:{nick}", client_id, text, ts, *by_author)
            connection.execute(insert, values)
        for room, last_seq in seqs.items():
            connection.execute(f"INSERT INTO room VALUES ({mark}, {mark}, 2000)", (room, last_seq))
        connection.commit()
    return database


def _connect(database):
    """(backend, a connection) for a DATABASE setting."""
    if database.startswith("postgresql://"):
        return "postgres", psycopg.connect(database)
    return "sqlite", sqlite3.connect(database)


def test_a_version_2_database_is_upgraded_in_place_and_its_history_searched(database):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": database_at(database, 2)})
    store = app.extensions["chat"].store
    try:
        assert store.upgraded == SINCE_VERSION_2
        lobby = store.recent("lobby", 50)
        assert [m["text"] for m in lobby] == [t for r, _, _, t in HISTORY if r == "lobby"]
        assert [m["seq"] for m in lobby] == [1, 2, 3, 4, 5]
        assert all("edited_ts" not in m and "mentions" not in m for m in lobby)
        found = store.search("lobby", ["alice"], 10)
        assert [m["text"] for m in found] == ["hi alice"], "the old history is searchable"
        assert store.authored(lobby[0]["id"]) == (lobby[0], None), "nobody may edit it"
        assert store.room_names(10) == ["kitchen", "lobby"]
        [new] = store.save_batch([Draft("lobby", "bob", "key:bob", "after", 3000, sender="h")])
        assert new.message["seq"] == 6
        assert store.take_nickname("alice", "alice", "owner", "h-a", 3000, 0) == "h-a"
    finally:
        store.close()
