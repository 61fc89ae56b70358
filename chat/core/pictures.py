"""Pictures people upload: limited per person, checked and re-encoded off the event loop a few
at a time (chat/core/images.py), stored once through the writer, and read back for serving
without holding the event loop (chat/core/store/pictures.py)."""

import functools
import time

from . import images

# Pictures decoded at once: each takes a core, and memory in proportion to its pixels.
PROCESSING_SLOTS = 2
# The most bytes of an upload read at once.
CHUNK = 64 * 1024


class TooManyUploads(Exception):
    """A person uploads pictures faster than the limit; `retry_after` says when to try again."""

    def __init__(self, retry_after):
        super().__init__("You are sending pictures too fast; wait a moment and send again.")
        self.retry_after = retry_after


class UploadIncomplete(Exception):
    """An upload's bytes did not all arrive, or not in time; the message says which."""


class Pictures:
    """Uploads and reads of pictures, for the views and handlers of one app."""

    def __init__(self, store, writer, runtime, limits, quotas=None, clock=time.time):
        """`limits` is (max_bytes, max_pixels, read_seconds); `quotas`, uploads per holder
        (None: no limit)."""
        self.store = store
        self.writer = writer
        self.runtime = runtime
        self.run_blocking = runtime.run_blocking
        self.max_bytes, self.max_pixels, self.read_seconds = limits
        self.quotas = quotas
        self.clock = clock
        self._slots = runtime.make_queue()
        for _ in range(PROCESSING_SLOTS):
            self._slots.put(None)

    def received(self, read, length):
        """The `length` bytes of an upload, taken from read(size) a chunk at a time within
        read_seconds; UploadIncomplete when they stop short or come too slowly."""
        chunks, remaining = [], length
        try:
            with self.runtime.time_limit(self.read_seconds):
                while remaining:
                    chunk = read(min(CHUNK, remaining))
                    if not chunk:
                        raise UploadIncomplete("The upload ended before all of the file came.")
                    chunks.append(chunk)
                    remaining -= len(chunk)
        except self.runtime.Expired:
            raise UploadIncomplete(
                f"The upload took longer than {self.read_seconds:g} s; try again."
            ) from None
        return b"".join(chunks)

    def upload(self, data, holder):
        """Store the picture in data as uploaded by holder; return how messages show it (a
        store.pictures.Shown). Raises TooManyUploads, or images.ImageRefused saying why the
        file is not taken; nothing is stored then."""
        wait = self.quotas.take(user=holder) if self.quotas is not None else 0
        if wait:
            raise TooManyUploads(wait)
        picture = self._processed(data)
        now = int(self.clock() * 1000)
        return self.writer.call(self.store.save_picture, picture, holder, now)

    def uploaded(self, name, holder):
        """How messages show the picture of that name, if holder uploaded it; else None."""
        return self.store.uploaded_picture(name, holder)

    def served(self, name, thumbnail=False):
        """The bytes and type of a picture or its thumbnail (store.pictures.Served), or None."""
        read = functools.partial(self.store.picture_data, name, thumbnail)
        return self.run_blocking(read) if self.store.slow_reads_block else read()

    def _processed(self, data):
        """The picture in data, decoded and re-encoded in a thread, PROCESSING_SLOTS at once
        (the others wait their turn)."""
        self._slots.get()
        try:
            return self.run_blocking(
                functools.partial(images.process, data, self.max_bytes, self.max_pixels)
            )
        finally:
            self._slots.put(None)
