"""The SQLite history store on its own: ordering, limits, idempotent saves, persistence."""

import sqlite3

import pytest

from chat.core.store import Draft, SQLiteStore, StoreBusy


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore(str(tmp_path / "history.sqlite3"))
    yield store
    store.close()


def draft(text, room="lobby", nick="alice", client_id=None, ts=1):
    return Draft(
        room=room, nick=nick, sender_key=nick.casefold(), text=text, ts=ts, client_id=client_id
    )


def test_ids_increase_strictly_across_batches_and_rooms(store):
    first = store.save_batch([draft("a"), draft("b", room="other")])
    second = store.save_batch([draft("c")])
    ids = [saved.message["id"] for saved in first + second]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_recent_returns_the_last_messages_oldest_first(store):
    store.save_batch([draft(f"m{n}") for n in range(60)])
    recent = store.recent("lobby", 50)
    assert [m["text"] for m in recent] == [f"m{n}" for n in range(10, 60)]


def test_recent_only_returns_the_asked_room(store):
    store.save_batch([draft("here"), draft("elsewhere", room="other")])
    assert [m["text"] for m in store.recent("lobby", 50)] == ["here"]


def test_after_returns_bounded_batches_past_an_id(store):
    saved = store.save_batch([draft(f"m{n}") for n in range(5)])
    after = store.after("lobby", saved[1].message["id"], 2)
    assert [m["text"] for m in after] == ["m2", "m3"]


def test_same_client_id_is_stored_once_and_answered_with_the_first_id(store):
    [first] = store.save_batch([draft("hello", client_id="c-1")])
    [again, other] = store.save_batch(
        [draft("hello", client_id="c-1"), draft("hello", nick="bob", client_id="c-1")]
    )
    assert not first.duplicate and again.duplicate
    assert again.message["id"] == first.message["id"]
    assert not other.duplicate, "another sender may reuse the same client id"
    assert len(store.recent("lobby", 50)) == 2


def test_duplicates_within_one_batch_are_stored_once(store):
    results = store.save_batch([draft("x", client_id="k"), draft("x", client_id="k")])
    assert [r.duplicate for r in results] == [False, True]
    assert results[0].message["id"] == results[1].message["id"]


def test_failed_batch_stores_nothing(store, tmp_path):
    with pytest.raises(sqlite3.Error):
        store.save_batch([draft("fine"), draft(object())])
    assert store.recent("lobby", 50) == []
    assert store.save_batch([draft("after the failure")])[0].message["text"]


def test_history_survives_reopening_the_database(tmp_path):
    path = str(tmp_path / "history.sqlite3")
    first = SQLiteStore(path)
    first.save_batch([draft("persisted")])
    first.close()
    reopened = SQLiteStore(path)
    assert [m["text"] for m in reopened.recent("lobby", 50)] == ["persisted"]
    reopened.close()


def test_delete_removes_a_message_and_returns_it(store):
    [saved] = store.save_batch([draft("oops")])
    removed = store.delete(saved.message["id"])
    assert removed["text"] == "oops" and removed["room"] == "lobby"
    assert store.recent("lobby", 50) == []
    assert store.delete(saved.message["id"]) is None


def test_room_names_lists_rooms_with_history_most_recent_first(store):
    store.save_batch([draft("1", room="old"), draft("2", room="new")])
    assert store.room_names(10) == ["new", "old"]


def test_a_write_that_would_wait_for_another_process_is_refused_at_once(store):
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreBusy):
        store.save_batch([draft("not yet")], wait=False)
    other.execute("COMMIT")
    other.close()
    [saved] = store.save_batch([draft("now")], wait=False)
    assert [m["text"] for m in store.recent("lobby", 10)] == ["now"]
    assert saved.message["id"] == 1


def test_commits_leave_the_log_to_checkpoints(store):
    store.save_batch([draft(f"m{n}") for n in range(50)])
    logged, copied = store.checkpoint()
    assert logged > 0 and copied == logged
    for connection in (store._writer, store._eager_writer):
        assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
