"""The operators' namespace `/admin`: token-checked connect, live figures, moderation.

A namespace, not a room: a chat client cannot enter it by asking, it has handlers of its
own, and its connect handler refuses anyone without the admin token before any of them
runs. Events sent here never reach the chat namespace `/`, and the reverse.
"""

import hmac
import logging
import math
import time
from dataclasses import dataclass

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, Namespace

from ..core import names
from ..core.throttle import GuessThrottle
from ..extensions import socketio
from ..services import services
from . import moderation, payloads
from .acks import error_ack, refusal
from .live_feed import LiveFeed

ADMIN = "/admin"
MIN_TOKEN_LENGTH = 16
REASON_MAX = 200
DEFAULT_REASON = "Removed by a moderator."
# Refused connects one connection may make before the server closes it.
ATTEMPTS_PER_CONNECTION = 3
# Refused connects from one address are logged at most once per this many seconds.
REFUSALS_REPORTED_EVERY = 60.0
_REFUSED_HERE = "chat.admin_refusals"

logger = logging.getLogger(__name__)
audit = logging.getLogger("chat.audit")


def configured_token(config):
    """The admin token, or "" when none (or no usable one) is configured."""
    token = config["ADMIN_TOKEN"]
    return token if isinstance(token, str) and len(token) >= MIN_TOKEN_LENGTH else ""


def init_app(app, orders=None):
    """Serve the `/admin` namespace if an admin token is configured; return whether it is.

    With orders (a cluster orders channel), kicks reach every process sharing it.
    """
    if not configured_token(app.config):
        if app.config["ADMIN_TOKEN"]:
            logger.warning(
                "ADMIN_TOKEN must be text of at least %d characters; /admin stays off",
                MIN_TOKEN_LENGTH,
            )
        return False
    chat = app.extensions["chat"]
    feed = LiveFeed(
        ADMIN,
        chat.presence,
        chat.stats,
        app.config["ADMIN_REFRESH_INTERVAL"],
        app.config["ADMIN_SAMPLE_INTERVAL"],
    )
    feed.start_sampling()
    app.extensions["admin"] = Operators(
        feed=feed,
        kicker=moderation.Kicker(chat.presence, orders),
        guesses=GuessThrottle(),
    )
    socketio.on_namespace(AdminNamespace(ADMIN))
    socketio.on_error(ADMIN)(_handler_failed)
    _send_audit_to_the_server_log()
    return True


@dataclass
class Operators:
    """What the `/admin` handlers of one app work with."""

    feed: LiveFeed
    kicker: moderation.Kicker
    guesses: GuessThrottle


def _operators():
    """The live feed and the kicker of the current app."""
    return current_app.extensions["admin"]


class AdminNamespace(Namespace):
    """Handlers of `/admin`; an event reaches them only from a socket the token admitted."""

    def on_connect(self, auth=None):
        """Admit a socket presenting the admin token and start its live figures; after a few
        wrong tokens from one address, weigh its next attempt only after a growing delay."""
        address, guesses = request.remote_addr, _operators().guesses
        wait = guesses.wait(address)
        if wait:
            _refuse(f"Too many failed attempts; try again in {math.ceil(wait)} s.")
        given = auth.get("token") if isinstance(auth, dict) else None
        if not _token_matches(given, configured_token(current_app.config)):
            guesses.failed(address)
            _refuse("Invalid admin token.")
        guesses.succeeded(address)
        _record(f"operator connected from {address}")
        _operators().feed.watch(request.sid)

    def on_disconnect(self, *_reason):
        """Stop the live figures of an operator who left."""
        _operators().feed.unwatch(request.sid)

    def on_announce(self, data):
        """Announce a text to everyone, or to the room named in `room`."""
        text = payloads.text(data)
        room = payloads.room(data) if payloads.optional(data, "room", str) else None
        moderation.announce(text, room)
        _record(f"announcement to {room or 'everyone'}: {text!r}")
        return {"ok": True}

    def on_remove(self, data):
        """Delete the message `id` from history and from every screen showing it."""
        message_id = payloads.required(data, "id", int)
        removed = moderation.remove_message(message_id)
        if removed is None:
            return {"ok": False, "error": f"There is no message {message_id}."}
        _record(f"message {message_id} by {removed['nick']} removed from {removed['room']}")
        return {"ok": True, "id": message_id, "room": removed["room"]}

    def on_kick(self, data):
        """Disconnect every socket of the nickname `nick`, telling it `reason`; a nickname
        nobody is connected as, in any process, is refused."""
        nick = _nickname(data)
        reason = payloads.optional(data, "reason", str, "").strip() or DEFAULT_REASON
        if len(reason) > REASON_MAX:
            raise payloads.BadPayload(f"The reason must be at most {REASON_MAX} characters.")
        if services().presence.holder(nick) is None:
            return refusal(f"Nobody is connected as {nick}.")
        _operators().kicker.kick(nick, reason)
        _record(f"kick of {nick}: {reason!r}")
        return {"ok": True}

    def on_history(self, data):
        """Ack with the recent messages of any room, so an operator can pick one to remove."""
        room = payloads.room(data)
        chat = services()
        return {
            "ok": True,
            "room": room,
            "messages": chat.store.recent(room, chat.config["HISTORY_LIMIT"]),
        }


def _token_matches(given, expected):
    """Whether a presented token equals the configured one, compared in constant time."""
    if not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _refuse(reason):
    """Refuse this connect: report it in summary, and close a connection that keeps trying."""
    address = request.remote_addr
    count = _operators().guesses.refused(address, REFUSALS_REPORTED_EVERY)
    if count:
        audit.warning(
            "admin connect refused from %s: %s (%d since the last report)", address, reason, count
        )
    refused_here = request.environ[_REFUSED_HERE] = request.environ.get(_REFUSED_HERE, 0) + 1
    if refused_here >= ATTEMPTS_PER_CONNECTION:
        eio_sid = socketio.server.manager.eio_sid_from_sid(request.sid, ADMIN)
        close = services().close_connection
        if refused_here == ATTEMPTS_PER_CONNECTION:
            socketio.start_background_task(_close_after_refusal, close, eio_sid)
        else:
            close(eio_sid)
    raise ConnectionRefusedError(reason)


def _close_after_refusal(close_connection, eio_sid):
    """Close a connection once the refusal queued for it before has gone out."""
    socketio.sleep(0)
    close_connection(eio_sid)


def _nickname(data):
    """The valid nickname in a payload's `nick` field."""
    try:
        return names.nickname(payloads.required(data, "nick", str))
    except names.InvalidName as error:
        raise payloads.BadPayload(str(error)) from None


def _record(action):
    """Audit an operator's action in the server log and show it to every operator."""
    audit.info("admin %s: %s", request.sid, action)
    entry = {"ts": int(time.time() * 1000), "text": action}
    socketio.emit("audit", entry, namespace=ADMIN)


def _handler_failed(error):
    """Refuse the connection if connecting failed (never admit by accident), else ack why."""
    if request.event["message"] == "connect":
        logger.error("admin connect failed: %r", error)
        return False
    return error_ack(error, f"{ADMIN} {request.event['message']}")


def _send_audit_to_the_server_log():
    """Make audit lines reach the server's log even where the host configured no logging."""
    if audit.level == logging.NOTSET:
        audit.setLevel(logging.INFO)
    if not audit.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
        audit.addHandler(handler)
