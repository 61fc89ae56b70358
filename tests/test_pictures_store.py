"""Pictures in the store, on SQLite and PostgreSQL: kept once under the name their bytes give
them, with who uploaded them, and shown by the messages that announce them."""

import pytest
from picture_files import plain

from chat.core.images import process
from chat.core.store import Draft

LIMITS = {"max_bytes": 10_000_000, "max_pixels": 40_000_000}


def png(width, height, colour="tomato"):
    """The bytes of a plain PNG picture."""
    return plain(width, height, colour)


@pytest.fixture
def picture():
    return process(png(1000, 500), **LIMITS)


def test_a_saved_picture_is_served_by_its_name_with_its_thumbnail(store, picture):
    shown = store.save_picture(picture, "holder-a", 1000)
    assert shown.name == picture.image.digest and len(shown.name) == 64
    assert (shown.width, shown.height) == (1000, 500)
    assert (shown.thumbnail_width, shown.thumbnail_height) == (480, 240)
    full = store.picture_data(shown.name)
    assert full.data == picture.image.data and full.content_type == "image/png"
    thumbnail = store.picture_data(shown.name, thumbnail=True)
    assert thumbnail.data == picture.thumbnail.data and thumbnail.content_type == "image/webp"


def test_an_unknown_name_serves_nothing(store):
    assert store.picture_data("0" * 64) is None
    assert store.picture_data("0" * 64, thumbnail=True) is None


def test_the_same_picture_uploaded_twice_is_stored_once(store, picture, run_sql):
    first = store.save_picture(picture, "holder-a", 1000)
    again = store.save_picture(process(png(1000, 500), **LIMITS), "holder-b", 2000)
    assert again == first
    assert store._query("SELECT COUNT(*) FROM picture", ()) == [(1,)]


def test_only_its_uploaders_may_announce_a_picture(store, picture):
    shown = store.save_picture(picture, "holder-a", 1000)
    assert store.uploaded_picture(shown.name, "holder-a") == shown
    assert store.uploaded_picture(shown.name, "holder-b") is None
    store.save_picture(picture, "holder-b", 2000)
    assert store.uploaded_picture(shown.name, "holder-b") == shown


def test_a_message_shows_its_picture_in_history_with_sizes_and_addresses(store, picture):
    shown = store.save_picture(picture, "holder-a", 1000)
    draft = Draft("lobby", "alice", "key", "", 1, sender="holder-a", image=shown)
    [saved, _] = store.save_batch([draft, Draft("lobby", "alice", "key", "words", 2)])
    name = shown.name
    assert saved.message["image"] == {
        "name": name,
        "url": f"/pictures/{name}",
        "width": 1000,
        "height": 500,
        "thumbnail": {"url": f"/pictures/{name}/thumbnail", "width": 480, "height": 240},
    }
    [with_picture, text_only] = store.recent("lobby", 10)
    assert with_picture == saved.message and with_picture["text"] == ""
    assert "image" not in text_only


def test_a_deleted_message_takes_its_picture_out_of_history(store, picture):
    shown = store.save_picture(picture, "holder-a", 1000)
    draft = Draft("lobby", "alice", "key", "look", 1, sender="holder-a", image=shown)
    [saved] = store.save_batch([draft])
    assert store.delete_authored(saved.message["id"], "holder-a")["image"]["name"] == shown.name
    assert store.recent("lobby", 10) == []
