"""The history store on its own, on SQLite and on PostgreSQL: ordering, seq numbers, limits,
idempotent saves, persistence, and every query on an index."""

import contextlib
import multiprocessing
import os
import sqlite3
import threading
import time

import psycopg
import pytest
from picture_files import plain

from chat.core.images import process
from chat.core.store import Draft, StoreBusy, open_store
from chat.core.store.conversations import Party
from chat.core.store.migrations import migrations
from chat.core.store.sqlite import SQLiteStore


@pytest.fixture
def sqlite_store(tmp_path):
    store = SQLiteStore(str(tmp_path / "history.sqlite3"))
    yield store
    store.close()


def draft(text, room="lobby", nick="alice", client_id=None, ts=1):
    return Draft(
        room=room, nick=nick, sender_key=nick.casefold(), text=text, ts=ts, client_id=client_id
    )


def texts(messages):
    return [message["text"] for message in messages]


def test_ids_increase_strictly_across_batches_and_rooms(store):
    first = store.save_batch([draft("a"), draft("b", room="other")])
    second = store.save_batch([draft("c")])
    ids = [saved.message["id"] for saved in first + second]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_seq_rises_by_one_per_message_of_each_room_across_batches(store):
    first = store.save_batch([draft("a1"), draft("b1", room="b"), draft("a2")])
    second = store.save_batch([draft("b2", room="b"), draft("a3")])
    seqs = [(s.message["room"], s.message["seq"]) for s in first + second]
    assert seqs == [("lobby", 1), ("b", 1), ("lobby", 2), ("b", 2), ("lobby", 3)]


def test_recent_returns_the_last_messages_oldest_first(store):
    store.save_batch([draft(f"m{n}") for n in range(60)])
    recent = store.recent("lobby", 50)
    assert texts(recent) == [f"m{n}" for n in range(10, 60)]
    assert [m["seq"] for m in recent] == list(range(11, 61))


def test_recent_only_returns_the_asked_room(store):
    store.save_batch([draft("here"), draft("elsewhere", room="other")])
    assert texts(store.recent("lobby", 50)) == ["here"]


def test_after_returns_bounded_batches_past_an_id(store):
    saved = store.save_batch([draft(f"m{n}") for n in range(5)])
    after = store.after("lobby", saved[1].message["id"], 2)
    assert texts(after) == ["m2", "m3"]


def test_before_seq_returns_the_last_messages_before_a_seq_of_one_room(store):
    store.save_batch([draft(f"m{n}") for n in range(6)] + [draft("x", room="other")])
    assert [(m["seq"], m["text"]) for m in store.before_seq("lobby", 5, 2)] == [
        (3, "m2"),
        (4, "m3"),
    ]
    assert texts(store.before_seq("lobby", 3, 10)) == ["m0", "m1"]
    assert store.before_seq("lobby", 1, 10) == []


def test_after_seq_returns_bounded_batches_past_a_seq_of_one_room(store):
    store.save_batch([draft(f"m{n}") for n in range(5)] + [draft("x", room="other")])
    assert [(m["seq"], m["text"]) for m in store.after_seq("lobby", 2, 2)] == [
        (3, "m2"),
        (4, "m3"),
    ]
    assert store.after_seq("lobby", 5, 10) == []


def test_same_client_id_is_stored_once_and_answered_with_the_first_id(store):
    [first] = store.save_batch([draft("hello", client_id="c-1")])
    [again, other] = store.save_batch(
        [draft("hello", client_id="c-1"), draft("hello", nick="bob", client_id="c-1")]
    )
    assert not first.duplicate and again.duplicate
    assert again.message == first.message
    assert not other.duplicate, "another sender may reuse the same client id"
    assert [m["seq"] for m in store.recent("lobby", 50)] == [1, 2], "a resend takes no seq"


def test_duplicates_within_one_batch_are_stored_once(store):
    results = store.save_batch([draft("x", client_id="k"), draft("x", client_id="k")])
    assert [r.duplicate for r in results] == [False, True]
    assert results[0].message == results[1].message
    assert store.save_batch([draft("next")])[0].message["seq"] == 2


def test_failed_batch_stores_nothing_and_uses_up_no_seq(store):
    with pytest.raises((sqlite3.Error, psycopg.Error)):
        store.save_batch([draft("fine"), draft(object())])
    assert store.recent("lobby", 50) == []
    [saved] = store.save_batch([draft("after the failure")])
    assert saved.message["seq"] == 1


def test_history_survives_reopening_the_database(database):
    first = open_store(database)
    first.save_batch([draft("persisted")])
    first.close()
    reopened = open_store(database)
    assert texts(reopened.recent("lobby", 50)) == ["persisted"]
    assert reopened.upgraded == [], "the schema was brought up to date once"
    assert reopened.save_batch([draft("next")])[0].message["seq"] == 2
    reopened.close()


def test_delete_removes_a_message_and_returns_it(store):
    [saved] = store.save_batch([draft("oops")])
    removed = store.delete(saved.message["id"])
    assert removed["text"] == "oops" and removed["room"] == "lobby" and removed["seq"] == 1
    assert store.recent("lobby", 50) == []
    assert store.delete(saved.message["id"]) is None


def test_a_deleted_message_s_seq_is_not_given_again(store):
    [saved] = store.save_batch([draft("oops")])
    store.delete(saved.message["id"])
    assert store.save_batch([draft("next")])[0].message["seq"] == 2


def test_room_names_lists_rooms_with_history_most_recent_first(store):
    store.save_batch([draft("1", room="old", ts=1000), draft("2", room="new", ts=2000)])
    store.save_batch([draft("3", room="middle", ts=3000), draft("4", room="new", ts=4000)])
    assert store.room_names(10) == ["new", "middle", "old"]
    assert store.room_names(2) == ["new", "middle"]


def test_a_room_s_activity_moves_in_steps_of_a_second(store):
    store.save_batch([draft("1", room="first", ts=10_000), draft("2", room="second", ts=10_500)])
    store.save_batch([draft("3", room="first", ts=10_900)])
    assert store.room_names(10) == ["second", "first"], "first's newest is under a second on"
    store.save_batch([draft("4", room="first", ts=11_000)])
    assert store.room_names(10) == ["first", "second"]


def test_a_room_has_history_once_a_message_was_stored_in_it(store):
    assert not store.has_history("lobby")
    store.save_batch([draft("hello")])
    assert store.has_history("lobby") and not store.has_history("other")


def test_a_new_database_is_at_the_newest_schema(store):
    assert store.schema_version() == migrations("sqlite")[-1].version == 8


# Every query on an index: the time of a read does not grow with the history.


def exercise(store):
    """Every kind of store call, on history in two rooms and a direct conversation."""
    store.save_batch([draft(f"m{n}", client_id=f"c{n}") for n in range(20)])
    store.save_batch([draft("again", client_id="c3"), draft("o", room="other")])
    store.recent("lobby", 5)
    store.after("lobby", 3, 5)
    store.after_seq("lobby", 3, 5)
    store.before_seq("lobby", 15, 5)
    store.room_names(5)
    store.has_history("other")
    store.delete(2)
    exercise_people(store)


def exercise_people(store):
    """Every call of reservations, read markers, conversations, edits and search."""
    alice, bob = Party("h-a", "alice", "alice"), Party("h-b", "bob", "bob")
    store.take_nickname("alice", "alice", "owner-a", "h-a", 1000, 0)
    store.reservation("alice")
    store.seen_nickname("alice", "owner-a", 2000)
    store.set_passphrase("h-a", "hash")
    store.hand_over_nickname("alice", "owner-a", "owner-b", 3000)
    store.release_nickname("alice", "owner-b")
    store.mark_read("h-a", "lobby", 3)
    store.read_seq("h-a", "lobby")
    store.unread("h-a", "lobby", 3, 100)
    store.open_conversation("dm:h-a:h-b", alice, bob)
    store.save_batch([Draft("dm:h-a:h-b", "alice", "alice", "hi", 1, sender="h-a")])
    store.conversation("h-a", "dm:h-a:h-b")
    store.conversations("h-a", 10)
    store.conversations_with("h-a", "bob")
    store.search("lobby", ["m1"], 10)
    [(message, _)] = [store.authored(5)]
    store.edit(message["id"], None, "edited", (), 5)
    store.delete_authored(message["id"], None)
    exercise_pictures(store)


def exercise_pictures(store):
    """Every call of pictures: saved, checked for an announce, served, dropped with the last
    message showing it."""
    picture = process(plain(8, 8, "red"), max_bytes=100_000, max_pixels=100)
    shown = store.save_picture(picture, "h-a", 1000)
    store.uploaded_picture(shown.name, "h-a")
    store.picture_data(shown.name)
    store.picture_data(shown.name, thumbnail=True)
    showing = Draft(
        room="lobby", nick="alice", sender_key="alice", text="", ts=1, client_id=None, image=shown
    )
    [saved] = store.save_batch([showing])
    store.delete(saved.message["id"])


def test_every_sqlite_query_searches_an_index(sqlite_store, monkeypatch):
    statements = []
    for connection in (sqlite_store._writer, sqlite_store._eager_writer, sqlite_store._reader):
        connection.set_trace_callback(statements.append)
    connect = sqlite_store._connect

    def traced(*arguments):
        """A connection of its own (a search's), traced too."""
        connection = connect(*arguments)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(sqlite_store, "_connect", traced)
    exercise(sqlite_store)
    kinds = ("SELECT", "INSERT", "DELETE", "UPDATE")
    # FTS5's own statements on its shadow tables ('main'.'message_search_...') are left out.
    queries = [
        s for s in statements if s.split()[0].upper() in kinds and "'message_search_" not in s
    ]
    assert len(queries) > 10
    with contextlib.closing(sqlite3.connect(sqlite_store.path)) as probe:
        for query in queries:
            plan = [row[3] for row in probe.execute(f"EXPLAIN QUERY PLAN {query}")]
            # A subquery's rows (a co-routine's) and a list of VALUES are read whole, but
            # they are no table.
            subqueries = {step.split()[-1] for step in plan if step.startswith("CO-ROUTINE")}
            full_scans = [
                step
                for step in plan
                if step.startswith("SCAN")
                and "INDEX" not in step
                and "CONSTANT ROWS" not in step
                and step.split()[1] not in subqueries
            ]
            assert not full_scans, f"{query}: {plan}"


def test_every_postgres_query_uses_an_index(postgres, postgres_database):
    open_store(postgres_database).close()
    name = postgres_database.rsplit("/", 1)[1]
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        for setting in (
            "session_preload_libraries = 'auto_explain'",
            "auto_explain.log_min_duration = 0",
            "enable_seqscan = off",
        ):
            admin.execute(f"ALTER DATABASE {name} SET {setting}")
    store = open_store(postgres_database)
    exercise(store)
    store.close()
    plans = [plan for plan in postgres.plans(name) if "schema_migration" not in plan]
    assert len(plans) > 5
    tables = ("message", "room", "nickname", "read_marker", "direct_party", "picture")
    for plan in plans:
        assert not [table for table in tables if f"Seq Scan on {table}" in plan], plan


# Several processes or hosts on one database


def test_a_write_that_would_wait_for_another_process_is_refused_at_once(sqlite_store):
    other = sqlite3.connect(sqlite_store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreBusy):
        sqlite_store.save_batch([draft("not yet")], wait=False)
    other.execute("COMMIT")
    other.close()
    [saved] = sqlite_store.save_batch([draft("now")], wait=False)
    assert texts(sqlite_store.recent("lobby", 10)) == ["now"]
    assert saved.message["id"] == 1 and saved.message["seq"] == 1


def open_and_close(path, start):
    """In a process of its own: open the store on path once `start` is reached; exit 1 if it
    cannot be opened."""
    start.wait()
    try:
        SQLiteStore(path).close()
    except sqlite3.Error:
        os._exit(1)
    os._exit(0)


def test_two_processes_opening_a_new_database_at_once_both_open_it(tmp_path):
    for attempt in range(10):
        path = str(tmp_path / f"new-{attempt}.sqlite3")
        start = multiprocessing.Barrier(2)
        openers = [
            multiprocessing.Process(target=open_and_close, args=(path, start)) for _ in range(2)
        ]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(30)
        assert [opener.exitcode for opener in openers] == [0, 0], f"attempt {attempt}"


def test_commits_leave_the_log_to_checkpoints(sqlite_store):
    sqlite_store.save_batch([draft(f"m{n}") for n in range(50)])
    logged, copied = sqlite_store.checkpoint()
    assert logged > 0 and copied == logged
    for connection in (sqlite_store._writer, sqlite_store._eager_writer):
        assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def search_segments(store):
    """Rows of SQLite's search index: one or more per segment it holds."""
    return store._reader.execute("SELECT count(*) FROM message_search_data").fetchone()[0]


def test_commits_leave_merging_the_search_index_to_checkpoints(sqlite_store):
    automerge = sqlite_store._reader.execute(
        "SELECT v FROM message_search_config WHERE k = 'automerge'"
    ).fetchone()
    assert automerge == (0,)
    for n in range(12):
        sqlite_store.save_batch([draft(f"word{n} of batch {n}")])
    unmerged = search_segments(sqlite_store)
    assert sqlite_store.merge_search_step()
    assert search_segments(sqlite_store) < unmerged
    assert texts(sqlite_store.search("lobby", ["word7"], 10)) == ["word7 of batch 7"]


def test_a_merge_step_says_whether_the_index_had_anything_left_to_merge(sqlite_store):
    for n in range(24):
        sqlite_store.save_batch([draft(f"word{n} of batch {n}")])
    steps = 1
    while sqlite_store.merge_search_step():
        steps += 1
        assert steps < 50, "merging never ends"
    assert steps > 1
    assert not sqlite_store.merge_search_step()
    assert texts(sqlite_store.search("lobby", ["word17"], 10)) == ["word17 of batch 17"]


@pytest.fixture
def two_hosts(postgres_database):
    """Two stores on one PostgreSQL database, as two hosts have."""
    hosts = [open_store(postgres_database) for _ in range(2)]
    yield hosts
    for host in hosts:
        host.close()


def run_together(*work):
    """Run functions in threads at once; return their results, or raise the first error."""
    results, errors = [None] * len(work), []

    def run(index, function):
        try:
            results[index] = function()
        except Exception as error:  # noqa: BLE001  (re-raised below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results


def test_two_hosts_writing_one_room_number_its_messages_once_each_without_gaps(two_hosts):
    rounds = 60

    def write(host, name):
        # Rooms in opposite orders on the two hosts: their locks must not deadlock.
        rooms = ("shared", f"own-{name}") if name == "one" else (f"own-{name}", "shared")
        return [
            host.save_batch([draft(f"{name} {n}", room=room) for room in rooms])
            for n in range(rounds)
        ]

    run_together(lambda: write(two_hosts[0], "one"), lambda: write(two_hosts[1], "two"))
    shared = two_hosts[0].after_seq("shared", 0, 1000)
    assert [m["seq"] for m in shared] == list(range(1, 2 * rounds + 1))
    for name in ("one", "two"):
        mine = [m["text"] for m in shared if m["text"].startswith(name)]
        assert mine == [f"{name} {n}" for n in range(rounds)], "each host's commits in order"
        own = two_hosts[0].after_seq(f"own-{name}", 0, 1000)
        assert [m["seq"] for m in own] == list(range(1, rounds + 1))


def test_a_resend_stored_by_another_host_meanwhile_is_answered_as_a_duplicate_without_a_gap(
    two_hosts, postgres_database
):
    waiting, _ = two_hosts
    waiting.save_batch([draft("before")])
    with psycopg.connect(postgres_database) as other_host:
        # Another host stores the resend and has not committed yet.
        other_host.execute("INSERT INTO room (name, last_seq, last_ts) VALUES ('elsewhere', 1, 1)")
        other_host.execute(
            "INSERT INTO message (room, seq, nick, sender_key, client_id, text, ts)"
            " VALUES ('elsewhere', 1, 'alice', 'alice', 'c-1', 'hello', 1)"
        )
        outcome = {}
        saving = threading.Thread(
            target=lambda: outcome.update(
                saved=waiting.save_batch([draft("hello", client_id="c-1"), draft("next")])
            )
        )
        saving.start()
        wait_until_a_session_waits_for_a_lock(postgres_database)
        other_host.commit()
    saving.join(30)
    [resend, following] = outcome["saved"]
    assert resend.duplicate and resend.message["room"] == "elsewhere"
    assert not following.duplicate and following.message["seq"] == 2, "no seq was lost"
    assert [m["seq"] for m in waiting.recent("lobby", 10)] == [1, 2]


def wait_until_a_session_waits_for_a_lock(url, timeout=10.0):
    """Poll PostgreSQL's activity view until some session of the database waits for a lock."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            [waiting] = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting:
                return
            time.sleep(0.02)
    pytest.fail("no session waited for the other host's lock")
