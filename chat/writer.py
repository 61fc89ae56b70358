"""Group commit: many handlers' messages stored in one transaction, off the event loop.

Handlers call `save(draft)` and wait; one writer task drains everything queued so far,
hands the batch to the store through `run_blocking` (a real OS thread under eventlet),
then wakes each waiting handler with its result. An ack therefore always follows a commit,
and a burst of N messages costs one commit instead of N.
"""

import logging

logger = logging.getLogger(__name__)

BATCH_LIMIT = 500


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

    def __init__(self, store, engine, run_blocking):
        self.store = store
        self.engine = engine
        self.run_blocking = run_blocking
        self.queue = engine.create_queue()
        self.queue_empty = engine.get_queue_empty_exception()
        self.task = None

    def save(self, draft):
        """Store one draft and return its Saved once committed; raise StoreUnavailable if not."""
        return self._submit(_Request(self.engine.create_event, draft=draft))

    def call(self, function, *arguments):
        """Run one other write (e.g. a delete) in turn with the batches and return its result."""
        return self._submit(_Request(self.engine.create_event, call=lambda: function(*arguments)))

    def _submit(self, request):
        """Queue a request, start the writer task on first use, and wait for the outcome."""
        if self.task is None:
            self.task = self.engine.start_background_task(self._run)
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

    def _write(self, requests):
        """Save the drafts among the requests in one transaction, then run the other calls."""
        saves = [request for request in requests if request.draft is not None]
        if saves:
            self._finish_all(saves, lambda: self.store.save_batch([r.draft for r in saves]))
        for request in requests:
            if request.call is not None:
                self._finish_all([request], lambda call=request.call: [call()])

    def _finish_all(self, requests, work):
        """Run work off the loop and hand each request its share of the results."""
        try:
            results = self.run_blocking(work)
        except Exception as error:
            logger.exception("history write failed for %d request(s)", len(requests))
            for request in requests:
                request.finish(error=error)
            return
        for request, result in zip(requests, results, strict=True):
            request.finish(result=result)
