"""How this process serves sockets: the async mode chosen by the entry point, and its helpers.

Only the entry points (`app.py`, gunicorn's eventlet worker) import and patch eventlet;
this module merely looks at whether they did, so the async mode stays switchable.
"""

import importlib
import sys

from flask import current_app


def detected_async_mode():
    """'eventlet' when an entry point has monkey-patched it, else 'threading'."""
    eventlet = sys.modules.get("eventlet")
    if eventlet is not None and eventlet.patcher.is_monkey_patched("socket"):
        return "eventlet"
    return "threading"


def blocking_runner(async_mode):
    """A function that runs blocking disk work without stalling other users.

    Under eventlet the work goes to a real OS thread (eventlet's tpool) while the
    green thread waits; under threading every handler already has a thread of its own.
    """
    if async_mode == "eventlet":
        return importlib.import_module("eventlet.tpool").execute
    return _call


def _call(function):
    """Run function in the calling thread."""
    return function()


def services():
    """The chat services (store, writer, presence, announcer) of the current app."""
    return current_app.extensions["chat"]
