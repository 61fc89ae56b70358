"""A database of the release before pictures (schema version 5), holding history, is upgraded
in place when the new code starts on it: history intact, and pictures can then be sent."""

import contextlib
import io

import pytest
from PIL import Image
from test_migrations import HISTORY, _connect

from chat import create_app
from chat.core.images import process
from chat.core.store import Draft, migrations

pytestmark = pytest.mark.timeout(60)


def database_at_version_5(database):
    """A database (SQLite or PostgreSQL) with schema version 5 holding HISTORY as that release
    stored it: seqs per room, a room row each, authors, and a reservation."""
    backend, connection = _connect(database)
    mark = "?" if backend == "sqlite" else "%s"
    with contextlib.closing(connection):
        connection.execute(migrations.RECORD_TABLE)
        for migration in migrations.migrations(backend)[:5]:
            for statement in migration.statements():
                connection.execute(statement)
            connection.execute(
                f"INSERT INTO schema_migration VALUES ({mark}, {mark}, 0)",
                (migration.version, migration.name),
            )
        seqs = {}
        for ts, (room, nick, client_id, text) in enumerate(HISTORY, start=1000):
            seqs[room] = seqs.get(room, 0) + 1
            connection.execute(
                "INSERT INTO message (room, seq, nick, sender_key, client_id, text, ts, sender)"
                f" VALUES ({', '.join([mark] * 8)})",
                (room, seqs[room], nick, f"key:{nick}", client_id, text, ts, f"h-{nick}"),
            )
        for room, last_seq in seqs.items():
            connection.execute(f"INSERT INTO room VALUES ({mark}, {mark}, 2000)", (room, last_seq))
        connection.commit()
    return database


def picture():
    """A small picture, processed as an upload is."""
    output = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(output, "PNG")
    return process(output.getvalue(), max_bytes=1_000_000, max_pixels=1_000_000)


def test_the_new_code_upgrades_a_version_5_database_and_its_history_takes_pictures(database):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "DATABASE": database_at_version_5(database)}
    )
    store = app.extensions["chat"].store
    try:
        assert store.upgraded == [
            "0006_pictures",
            "0007_search_merged_apart",
            "0008_pictures_shown",
        ]
        lobby = store.recent("lobby", 50)
        assert [m["text"] for m in lobby] == [t for r, _, _, t in HISTORY if r == "lobby"]
        assert [m["seq"] for m in lobby] == [1, 2, 3, 4, 5]
        assert all("image" not in m for m in lobby), "old messages show no picture"
        assert store.authored(lobby[0]["id"])[1] == "h-alice", "authors are kept"
        assert store.search("lobby", ["alice"], 10)[0]["text"] == "hi alice"
        shown = store.save_picture(picture(), "h-alice", 3000)
        draft = Draft("lobby", "alice", "key:alice", "", 3000, sender="h-alice", image=shown)
        [saved] = store.save_batch([draft])
        assert saved.message["seq"] == 6 and saved.message["image"]["name"] == shown.name
        assert store.recent("lobby", 1) == [saved.message]
    finally:
        store.close()
