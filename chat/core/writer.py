"""Group commit: many handlers' messages stored in one transaction, without stalling users.

Handlers call `save(draft)` and wait; one writer task drains everything queued so far,
stores the batch, then wakes each waiting handler with its result. An ack therefore always
follows a commit, and a burst of N messages costs one commit instead of N.

On SQLite, where a commit waits for the disk (`synchronous` FULL) the batch goes to
`run_blocking` (a real OS thread under eventlet). Otherwise a commit is a write into the
operating system's cache, cheaper than handing it to a thread and back, so it runs in place,
unless another process holds the write lock: then it is handed over to wait there. The disk
is flushed at checkpoints, which run through `run_blocking` at most every
CHECKPOINT_INTERVAL seconds, beside the commits rather than in their way; each starts with
a few steps merging the search index, with a pause between them in which a commit waiting
for the write lock takes it.

A cooperative store (PostgreSQL, whose waits yield to other green threads) runs every write
in place: its commit waits for the server without holding the event loop.
"""

import logging
import time

from .store import StoreBusy

logger = logging.getLogger(__name__)

BATCH_LIMIT = 500
CHECKPOINT_INTERVAL = 1.0
# Steps of search-index merging per checkpoint, and the pause after each: longer than SQLite's
# busy handler sleeps in the first 100 ms of a wait (at most 25 ms), so that a commit waiting
# for the lock wakes within the pause and takes it.
MERGE_STEPS = 5
MERGE_PAUSE = 0.03


class StoreUnavailable(RuntimeError):
    """The history database could not take the write."""


class _Request:
    """One queued piece of work and the event its caller waits on."""

    def __init__(self, make_event, draft=None, call=None):
        self.draft = draft
        self.call = call
        self.done = make_event()
        self.result = None
        self.error = None

    def finish(self, result=None, error=None):
        """Record the outcome and wake the caller."""
        self.result = result
        self.error = error
        self.done.set()


class GroupCommitWriter:
    """Serialises every write to a store and batches message saves into one transaction."""

    def __init__(self, store, runtime):
        self.store = store
        self.runtime = runtime
        self.run_blocking = runtime.run_blocking
        # Whether a batch is first tried in place (see the module's docstring).
        self.commits_in_place = store.cooperative or not store.commits_wait_for_disk()
        self.queue = runtime.make_queue()
        self.queue_empty = runtime.queue_empty
        self.task = None
        self.checkpointing = False
        self.last_checkpoint = time.monotonic()

    def save(self, draft):
        """Store one draft and return its Saved once committed; raise StoreUnavailable if not."""
        return self._submit(_Request(self.runtime.make_event, draft=draft))

    def call(self, function, *arguments):
        """Run one other write (e.g. a delete) in turn with the batches and return its result."""
        return self._submit(_Request(self.runtime.make_event, call=lambda: function(*arguments)))

    def _submit(self, request):
        """Queue a request, start the writer task on first use, and wait for the outcome."""
        if self.task is None:
            self.task = self.runtime.spawn(self._run)
        self.queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise StoreUnavailable(str(request.error)) from request.error
        return request.result

    def _run(self):
        """The writer task: forever take what is queued and write it."""
        while True:
            requests = [self.queue.get()]
            while len(requests) < BATCH_LIMIT:
                try:
                    requests.append(self.queue.get_nowait())
                except self.queue_empty:
                    break
            self._write(requests)
            self._checkpoint_now_and_then()

    def _write(self, requests):
        """Save the drafts among the requests in one transaction, then run the other calls."""
        saves = [request for request in requests if request.draft is not None]
        if saves:
            drafts = [request.draft for request in saves]
            self._finish_all(saves, lambda: self._commit(drafts))
        for request in requests:
            if request.call is not None:
                self._finish_all([request], lambda call=request.call: [self._call(call)])

    def _commit(self, drafts):
        """Commit drafts in place when that holds the event loop neither for the disk nor for
        another process's lock; through run_blocking otherwise."""
        if self.commits_in_place:
            try:
                return self.store.save_batch(drafts, wait=False)
            except StoreBusy:
                pass
        return self.run_blocking(lambda: self.store.save_batch(drafts))

    def _call(self, call):
        """Run another write in place on a cooperative store, else through run_blocking."""
        return call() if self.store.cooperative else self.run_blocking(call)

    def _finish_all(self, requests, work):
        """Run work and hand each request its share of the results."""
        try:
            results = work()
        except Exception as error:
            logger.exception("history write failed for %d request(s)", len(requests))
            for request in requests:
                request.finish(error=error)
            return
        for request, result in zip(requests, results, strict=True):
            request.finish(result=result)

    def _checkpoint_now_and_then(self):
        """Start a checkpoint in a task of its own, unless one ran or runs within the interval."""
        if not self.store.needs_checkpoints or self.checkpointing:
            return
        if time.monotonic() - self.last_checkpoint < CHECKPOINT_INTERVAL:
            return
        self.checkpointing = True
        self.runtime.spawn(self._checkpoint)

    def _checkpoint(self):
        """Merge the search index a step at a time while there is any to merge, then flush
        committed messages into the database file, each through run_blocking."""
        try:
            for step in range(MERGE_STEPS):
                if step:
                    self.runtime.sleep(MERGE_PAUSE)
                if not self.run_blocking(self.store.merge_search_step):
                    break
            self.run_blocking(self.store.checkpoint)
        except Exception:
            logger.exception("history checkpoint failed; the next one will retry")
        finally:
            self.last_checkpoint = time.monotonic()
            self.checkpointing = False
