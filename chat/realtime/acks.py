"""The one mapping, for both namespaces, from what went wrong in a handler to its ack."""

import functools
import logging

from ..core.store import HistoryUnavailable
from ..core.writer import StoreUnavailable
from .payloads import BadPayload

logger = logging.getLogger(__name__)

STORE_UNAVAILABLE = "History is unavailable right now; nothing was changed."
INTERNAL_ERROR = "Internal error; nothing was changed."


def refusal(reason, **details):
    """The ack of a request the server did not carry out, saying why."""
    return {"ok": False, "error": reason, **details}


def stored(saved):
    """The ack of a message the store holds: its id, seq and time, whether it was a resend
    of one stored before, and whom it mentions, if anyone."""
    message = saved.message
    ack = {
        "ok": True,
        "id": message["id"],
        "seq": message["seq"],
        "ts": message["ts"],
        "duplicate": saved.duplicate,
    }
    if "mentions" in message:
        ack["mentions"] = message["mentions"]
    return ack


def error_ack(error, handler_name):
    """The ack for an exception a handler raised; an unexpected one is logged in full."""
    if isinstance(error, BadPayload):
        return refusal(str(error))
    if isinstance(error, StoreUnavailable | HistoryUnavailable):
        return refusal(STORE_UNAVAILABLE)
    logger.error("handler %s failed", handler_name, exc_info=error)
    return refusal(INTERNAL_ERROR)


def acknowledged(handler):
    """Give a handler the payload (or None), and turn every failure into an error ack."""

    @functools.wraps(handler)
    def wrapper(*arguments):
        try:
            return handler(arguments[0] if arguments else None)
        except Exception as error:
            return error_ack(error, handler.__name__)

    return wrapper
