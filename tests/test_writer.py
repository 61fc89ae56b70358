"""The group-commit writer: where commits run, waiting out another process, checkpoints."""

import dataclasses
import sqlite3
import threading
import time

import engineio
import pytest

from chat.core import writer as writer_module
from chat.core.store import Draft
from chat.core.store.postgres import PostgresStore
from chat.core.store.sqlite import SQLiteStore
from chat.core.writer import GroupCommitWriter
from chat.runtime import Runtime


class ObservedRunner:
    """Runs work in the calling thread, as the threading mode does, and says when it does."""

    def __init__(self):
        self.running = False

    def __call__(self, function):
        self.running = True
        try:
            return function()
        finally:
            self.running = False


class ObservedStore(SQLiteStore):
    """The real store, noting where each commit ran and counting its checkpoints."""

    def __init__(self, path, runner, synchronous="NORMAL"):
        super().__init__(path, synchronous)
        self.runner = runner
        self.commits_in_runner = []
        self.checkpoints = 0
        self.merge_steps = 0

    def save_batch(self, drafts, wait=True):
        """Save as usual; note whether this commit ran through the runner."""
        self.commits_in_runner.append(self.runner.running)
        return super().save_batch(drafts, wait)

    def checkpoint(self):
        """Checkpoint as usual, and count it."""
        self.checkpoints += 1
        return super().checkpoint()

    def merge_search_step(self):
        """Merge as usual, and count the step."""
        self.merge_steps += 1
        return super().merge_search_step()


@pytest.fixture
def runner():
    return ObservedRunner()


@pytest.fixture
def store(tmp_path, runner):
    store = ObservedStore(str(tmp_path / "history.sqlite3"), runner)
    yield store
    store.close()


def make_writer(store, **replaced):
    runtime = Runtime.of(engineio.Server(async_mode="threading"))
    runtime = dataclasses.replace(runtime, run_blocking=store.runner, **replaced)
    return GroupCommitWriter(store, runtime)


def draft(text):
    return Draft(room="lobby", nick="alice", sender_key="alice", text=text, ts=1)


def test_commits_run_in_place_when_they_do_not_wait_for_the_disk(store):
    writer = make_writer(store)
    assert writer.save(draft("hello")).message["text"] == "hello"
    assert store.commits_in_runner == [False]


def test_commits_that_flush_the_disk_go_to_run_blocking(tmp_path, runner):
    store = ObservedStore(str(tmp_path / "full.sqlite3"), runner, synchronous="FULL")
    writer = make_writer(store)
    assert writer.save(draft("hello")).message["text"] == "hello"
    assert store.commits_in_runner == [True]
    store.close()


def test_a_batch_that_meets_another_process_s_lock_waits_for_it_in_run_blocking(store):
    writer = make_writer(store)
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    result = {}
    saving = threading.Thread(target=lambda: result.update(saved=writer.save(draft("held"))))
    saving.start()
    time.sleep(0.3)
    assert saving.is_alive(), "the save must wait for the other process's transaction"
    other.execute("COMMIT")
    other.close()
    saving.join(10)
    assert result["saved"].message["text"] == "held"
    assert store.commits_in_runner == [False, True]


def test_checkpoints_follow_commits_at_most_once_per_interval(store, monkeypatch):
    monkeypatch.setattr(writer_module, "CHECKPOINT_INTERVAL", 0.2)
    writer = make_writer(store)
    for n in range(5):
        writer.save(draft(f"m{n}"))
    assert store.checkpoints == 0
    time.sleep(0.3)
    writer.save(draft("after the interval"))
    wait_for_a_checkpoint(store, writer)
    logged, copied = store.checkpoint()
    assert copied == logged


def wait_for_a_checkpoint(store, writer):
    deadline = time.monotonic() + 10
    while (store.checkpoints == 0 or writer.checkpointing) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.checkpoints == 1


def test_a_checkpoint_merges_the_search_index_in_steps_with_pauses_commits_can_use(
    store, monkeypatch
):
    monkeypatch.setattr(writer_module, "CHECKPOINT_INTERVAL", 0)
    for n in range(24):
        store.save_batch([draft(f"word{n} of batch {n}")])
    committed_in_pauses = []

    def pause(_seconds):
        # A commit that does not wait: StoreBusy if a step still held the write lock.
        saved = store.save_batch([draft("between steps")], wait=False)
        committed_in_pauses.append(saved[0].message["text"])

    writer = make_writer(store, sleep=pause)
    writer.save(draft("the one that starts a checkpoint"))
    wait_for_a_checkpoint(store, writer)
    assert 2 <= store.merge_steps <= writer_module.MERGE_STEPS
    assert committed_in_pauses == ["between steps"] * (store.merge_steps - 1)


class ObservedPostgresStore(PostgresStore):
    """The real PostgreSQL store, noting where each write ran."""

    def __init__(self, url, runner):
        super().__init__(url)
        self.runner = runner
        self.writes_in_runner = []

    def save_batch(self, drafts, wait=True):
        """Save as usual; note whether it ran through the runner."""
        self.writes_in_runner.append(self.runner.running)
        return super().save_batch(drafts, wait)

    def delete(self, message_id):
        """Delete as usual; note whether it ran through the runner."""
        self.writes_in_runner.append(self.runner.running)
        return super().delete(message_id)


def test_a_store_whose_waits_yield_runs_every_write_in_place_without_checkpoints(
    postgres_database, runner, monkeypatch
):
    monkeypatch.setattr(writer_module, "CHECKPOINT_INTERVAL", 0)
    store = ObservedPostgresStore(postgres_database, runner)
    writer = make_writer(store)
    saved = writer.save(draft("hello"))
    assert writer.call(store.delete, saved.message["id"])["text"] == "hello"
    writer.save(draft("again"))
    assert store.writes_in_runner == [False, False, False]
    assert not writer.checkpointing, "PostgreSQL flushes its own log"
    store.close()
