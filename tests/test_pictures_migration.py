"""A database of the release before pictures (schema version 5), holding history, is upgraded
in place when the new code starts on it: history intact, and pictures can then be sent."""

import pytest
from picture_files import plain
from test_migrations import HISTORY, database_at

from chat import create_app
from chat.core.images import process
from chat.core.store import Draft

pytestmark = pytest.mark.timeout(60)


def picture():
    """A small picture, processed as an upload is."""
    return process(plain(40, 20), max_bytes=1_000_000, max_pixels=1_000_000)


def test_the_new_code_upgrades_a_version_5_database_and_its_history_takes_pictures(database):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE": database_at(database, 5, sender=lambda nick: f"h-{nick}"),
        }
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
