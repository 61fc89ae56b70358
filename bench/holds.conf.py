"""gunicorn settings that measure how long green threads hold the event loop.

The repository's own settings, plus a record, kept in the worker, of the CPU time each
green thread runs between two switches: while one runs, nobody else is served. At exit the
worker writes to HOLDS_OUT (default holds.json) the distribution of those holds, the hub's
turns apart from the green threads', and the longest holds with the work each served.

    HOLDS_OUT=holds.json gunicorn -c bench/holds.conf.py --bind 127.0.0.1:8000 app:app

A hold is CPU time (`time.thread_time`), so time the machine gave to other processes does
not count in it; a pass of the cycle collector counts in the hold it interrupts.
"""

import json
import os
import runpy
import time
from pathlib import Path

_repository = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
globals().update({name: value for name, value in _repository.items() if name[:2] != "__"})
_repository_post_worker_init = _repository["post_worker_init"]

# Holds longer than this (ms) are kept with what they served, the KEPT longest of them.
LONG_MS = 5.0
KEPT = 40
# Frames of a paused green thread's stack kept to say where it yielded.
FRAMES = 8


def post_worker_init(worker):
    """Set up the repository's worker, then trace every switch between green threads."""
    import greenlet

    _repository_post_worker_init(worker)
    worker.holds = Holds()
    greenlet.settrace(worker.holds.trace)


def worker_exit(server, worker):
    """Write what was measured."""
    holds = getattr(worker, "holds", None)
    if holds is not None:
        holds.write(os.environ.get("HOLDS_OUT", "holds.json"))


class Holds:
    """The CPU time between switches, by whether the hub or a green thread held the loop."""

    def __init__(self):
        from eventlet import greenthread, hubs

        self.hub = hubs.get_hub().greenlet
        self.started = time.monotonic()
        self.last = time.thread_time()
        self.lengths = {"hub": [], "green": []}
        self.long = []
        _label_green_threads(greenthread.GreenThread)

    def trace(self, event, arguments):
        """greenlet's trace hook: the thread switched from has held the loop since the last."""
        if event not in ("switch", "throw"):
            return
        now = time.thread_time()
        held_ms, self.last = (now - self.last) * 1000, now
        origin = arguments[0]
        self.lengths["hub" if origin is self.hub else "green"].append(held_ms)
        if held_ms > LONG_MS and origin is not self.hub:
            seconds = round(time.monotonic() - self.started, 2)
            self.long.append((round(held_ms, 2), seconds, _label(origin), _yielded_at(origin)))

    def write(self, path):
        """Save the distributions and the longest holds as JSON."""
        summary = {kind: _distribution(lengths) for kind, lengths in self.lengths.items()}
        summary["longest"] = sorted(self.long, reverse=True)[:KEPT]
        Path(path).write_text(json.dumps(summary, indent=1) + "\n")


def _label_green_threads(green_thread_class):
    """Have each new green thread note the function it runs (with the Socket.IO event's name
    for an event handler), which outlives its stack."""
    main = green_thread_class.main

    def labelled_main(self, function, args, kwargs):
        self.work = _name(function)
        if self.work.endswith("_handle_event_internal") and len(args) > 3:
            self.work += f" {str(args[3][0])[:40]}"
        return main(self, function, args, kwargs)

    green_thread_class.main = labelled_main


def _label(green):
    """What a green thread was started to do."""
    return getattr(green, "work", None) or _name(getattr(green, "run", None))


def _name(function):
    """A function's qualified name, looking through functools.partial."""
    function = getattr(function, "func", function)
    return getattr(function, "__qualname__", repr(function)[:80])


def _yielded_at(green):
    """The innermost frames of a paused green thread (none once it has ended)."""
    frames, frame = [], green.gr_frame
    while frame is not None and len(frames) < FRAMES:
        code = frame.f_code
        frames.append(f"{code.co_name} ({os.path.basename(code.co_filename)}:{frame.f_lineno})")
        frame = frame.f_back
    return frames


def _distribution(lengths):
    """Count, median, p99, p99.9, maximum and counts over 5, 10 and 20 ms, in ms."""
    ordered = sorted(lengths)
    if not ordered:
        return {"count": 0}

    def at(share):
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 3)

    over = {f"over_{limit}_ms": sum(1 for held in ordered if held > limit) for limit in (5, 10, 20)}
    return {
        "count": len(ordered),
        "p50": at(0.5),
        "p99": at(0.99),
        "p99.9": at(0.999),
        "max": round(ordered[-1], 3),
        **over,
    }
