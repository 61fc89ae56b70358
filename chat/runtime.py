"""How this process serves sockets: the async mode chosen by the entry point, and the async
primitives of that mode, handed to code below Socket.IO.

Only the entry points (`app.py`, gunicorn's eventlet worker) import and patch eventlet;
this module merely looks at whether they did, so the async mode stays switchable.
"""

import contextlib
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass


def detected_async_mode():
    """'eventlet' when an entry point has monkey-patched it, else 'threading'."""
    eventlet = sys.modules.get("eventlet")
    if eventlet is not None and eventlet.patcher.is_monkey_patched("socket"):
        return "eventlet"
    return "threading"


@dataclass(frozen=True)
class Runtime:
    """Tasks, sleeps, queues and events of the async mode, and a way to run blocking work.

    The core and cluster layers use these instead of importing Socket.IO or eventlet.
    """

    async_mode: str
    spawn: Callable
    sleep: Callable
    make_queue: Callable
    queue_empty: type
    make_event: Callable
    run_blocking: Callable
    time_limit: Callable

    class Expired(Exception):
        """Work given a time limit (`time_limit(seconds)`) did not finish within it."""

    @classmethod
    def of(cls, engine):
        """The primitives of an Engine.IO server's async mode."""
        return cls(
            async_mode=engine.async_mode,
            spawn=engine.start_background_task,
            sleep=engine.sleep,
            make_queue=engine.create_queue,
            queue_empty=engine.get_queue_empty_exception(),
            make_event=engine.create_event,
            run_blocking=blocking_runner(engine.async_mode),
            time_limit=time_limiter(engine.async_mode),
        )


def blocking_runner(async_mode):
    """A function that runs blocking disk work without stalling other users.

    Under eventlet the work goes to a real OS thread (eventlet's tpool) while the
    green thread waits; under threading every handler already has a thread of its own.
    """
    if async_mode == "eventlet":
        return importlib.import_module("eventlet.tpool").execute
    return _call


def time_limiter(async_mode):
    """A function giving a context manager that raises Runtime.Expired in its block once
    `seconds` have passed, at the block's next wait (a read from a client, say).

    Under eventlet a waiting green thread costs little but is held for as long as its client
    likes; under threading nothing can interrupt a thread's wait, and the limit is none.
    """
    if async_mode == "eventlet":
        timeout = importlib.import_module("eventlet").Timeout
        return lambda seconds: timeout(seconds, Runtime.Expired)
    return lambda seconds: contextlib.nullcontext()


def _call(function):
    """Run function in the calling thread."""
    return function()
