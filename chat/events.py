"""Socket.IO handlers of the chat namespace `/`: the public event contract.

Broadcast forms used here, and why:
- to the sender only (the ack, or `emit` in a handler): join results, history, errors;
- to a room but the sender (`emit(..., to=room, include_self=False)`): messages,
  typing, join and leave notices;
- to everyone, and to everyone but the sender: the room directory and presence,
  sent by the announcer.
"""

import functools
import logging
import secrets
import time

from flask import request, session
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room

from . import names, payloads
from .runtime import services
from .store import Draft
from .writer import StoreUnavailable

logger = logging.getLogger(__name__)

MAX_ROOMS_PER_SOCKET = 20


def acknowledged(handler):
    """Give a handler the payload (or None), and turn every failure into an error ack."""

    @functools.wraps(handler)
    def wrapper(*arguments):
        try:
            return handler(arguments[0] if arguments else None)
        except payloads.BadPayload as error:
            return {"ok": False, "error": str(error)}
        except StoreUnavailable:
            return {"ok": False, "error": "History is unavailable right now; nothing was sent."}
        except Exception:
            logger.exception("handler %s failed", handler.__name__)
            return {"ok": False, "error": "Internal error; nothing was changed."}

    return wrapper


def joined_room(data):
    """The room named in the payload, which this socket must have joined."""
    room = payloads.room(data)
    if not services().presence.is_in(request.sid, room):
        raise payloads.BadPayload(f"You have not joined room '{room}'.")
    return room


def _identity(auth):
    """(nickname, owner) from the form's session, or from `auth` for programmatic clients."""
    if session.get("nick"):
        return session["nick"], session["owner"]
    if not isinstance(auth, dict):
        raise ConnectionRefusedError("Choose a nickname first.")
    key = auth.get("key")
    owner = f"key:{key}" if isinstance(key, str) and key else f"socket:{secrets.token_hex(8)}"
    try:
        return names.nickname(auth.get("nick")), owner
    except names.InvalidName as error:
        raise ConnectionRefusedError(str(error)) from None


def connect(auth=None):
    """Admit a socket under a valid nickname no other user holds; refuse it otherwise."""
    nick, owner = _identity(auth)
    chat = services()
    admitted, first = chat.presence.claim(request.sid, nick, owner)
    if not admitted:
        raise ConnectionRefusedError(f"Nickname '{nick}' is already in use.")
    if first:
        chat.announcer.came_online(request.sid, nick)
    emit("rooms", {"rooms": chat.presence.directory()})


def disconnect(*_reason):
    """Tell the rooms this nickname has left, and everyone when it went offline."""
    chat = services()
    nick, rooms_left, offline = chat.presence.release(request.sid)
    for room in rooms_left:
        emit("user left", {"room": room, "nick": nick}, to=room, include_self=False)
    if rooms_left:
        chat.announcer.directory_changed()
    if offline:
        chat.announcer.went_offline(nick)


@acknowledged
def join(data):
    """Join a room; ack with its members and its recent history (or what came after `after`)."""
    room = payloads.room(data)
    after = payloads.message_id(data, "after")
    chat = services()
    if len(chat.presence.rooms_of(request.sid) - {room}) >= MAX_ROOMS_PER_SOCKET:
        raise payloads.BadPayload(f"You can be in at most {MAX_ROOMS_PER_SOCKET} rooms.")
    join_room(room)
    if chat.presence.join(request.sid, room):
        nick = chat.presence.nick(request.sid)
        emit("user joined", {"room": room, "nick": nick}, to=room, include_self=False)
        chat.announcer.directory_changed()
    history, more = _history(room, after)
    members = chat.presence.members(room)
    return {"ok": True, "room": room, "members": members, "history": history, "more": more}


@acknowledged
def history(data):
    """Ack with the messages of a joined room after the id `after`, in bounded batches."""
    room = joined_room(data)
    after = payloads.message_id(data, "after") or 0
    messages, more = _history(room, after)
    return {"ok": True, "room": room, "messages": messages, "more": more}


def _history(room, after):
    """Recent history, or the next catch-up batch after a seen id, and whether more follow."""
    chat = services()
    if after is None:
        return chat.store.recent(room, chat.config["HISTORY_LIMIT"]), False
    batch = chat.config["CATCH_UP_BATCH"]
    messages = chat.store.after(room, after, batch)
    return messages, len(messages) == batch


@acknowledged
def leave(data):
    """Leave a joined room and tell its remaining members."""
    room = joined_room(data)
    chat = services()
    leave_room(room)
    if chat.presence.leave(request.sid, room):
        nick = chat.presence.nick(request.sid)
        emit("user left", {"room": room, "nick": nick}, to=room, include_self=False)
        chat.announcer.directory_changed()
    return {"ok": True}


@acknowledged
def chat_message(data):
    """Store a message; once committed, pass it to the room's others and ack the sender."""
    room = joined_room(data)
    chat = services()
    draft = Draft(
        room=room,
        nick=chat.presence.nick(request.sid),
        sender_key=chat.presence.key(request.sid),
        text=payloads.text(data),
        ts=int(time.time() * 1000),
        client_id=payloads.client_id(data),
    )
    saved = chat.writer.save(draft)
    if not saved.duplicate:
        chat.stats.count_message()
        emit("chat message", saved.message, to=room, include_self=False)
    message = saved.message
    return {"ok": True, "id": message["id"], "ts": message["ts"], "duplicate": saved.duplicate}


@acknowledged
def typing(data):
    """Tell the room's others whether this user is typing."""
    room = joined_room(data)
    active = payloads.required(data, "active", bool)
    nick = services().presence.nick(request.sid)
    emit("typing", {"room": room, "nick": nick, "active": active}, to=room, include_self=False)
    return {"ok": True}


def unknown_event(event, *_arguments):
    """Answer an event outside the contract with an error instead of silence."""
    return {"ok": False, "error": f"Unknown event '{str(event)[:64]}'."}


def log_error(error):
    """Log anything a handler let escape; the connection stays up."""
    logger.error("socket handler error: %r", error)


HANDLERS = {
    "connect": connect,
    "disconnect": disconnect,
    "join": join,
    "history": history,
    "leave": leave,
    "chat message": chat_message,
    "typing": typing,
    "*": unknown_event,
}


def register(socketio):
    """Bind the handlers to the Socket.IO server of the app being created.

    Explicit rather than decorators at import time: a decorator binds only to the
    server that exists when the module is first imported, i.e. the first app.
    """
    for event, handler in HANDLERS.items():
        socketio.on_event(event, handler)
    socketio.on_error_default(log_error)
