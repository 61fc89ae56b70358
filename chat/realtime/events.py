"""Socket.IO handlers of the chat namespace `/`: the public event contract.

Broadcast forms used here, and why:
- to the sender only (the ack, or `emit` in a handler): join results, history, errors;
- to a room but the sender (`emit(..., to=room, include_self=False)`): messages,
  typing;
- to a room, and to everyone, and to everyone but the sender: join and leave notices, the
  room directory and presence, sent by the announcer.
"""

import functools
import logging
import math
import secrets
import time

import flask_socketio
from flask import request, session
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room

from ..cluster.link import RedisUnavailable
from ..core import identities, mentions, names, ratelimit, reading
from ..core.store import Draft
from ..core.writer import StoreUnavailable
from ..extensions import socketio
from ..services import services
from . import payloads, people, pictures
from .acks import acknowledged, refusal, stored

logger = logging.getLogger(__name__)

MAX_ROOMS_PER_SOCKET = 20
TOO_FAST = {
    ratelimit.MESSAGE: "You are sending messages too fast; wait a moment and send again.",
    ratelimit.TYPING: "Typing notices are coming too fast.",
    ratelimit.HEAVY_READ: "Too many searches or lists of conversations; wait a moment.",
    ratelimit.PASSPHRASE: "Passphrases are being set too often; wait a moment.",
    ratelimit.OTHER: "Too many requests; slow down.",
}
FLOOD_REASON = "Flooding: too many events, too fast."
# While the Redis that every process shares is unreachable, a nickname this process does
# not already hold might be held by a user of another process.
NICKNAMES_UNCHECKABLE = "Nicknames cannot be checked right now; try again in a moment."
RESERVED = (
    "Nickname '{}' is reserved to someone else. If it is yours, reclaim it on the form with "
    "its passphrase."
)


def rate_limited(kind):
    """Ack an error instead of running the handler when this socket is over its `kind` limit."""

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(data):
            return _refusal(kind) or handler(data)

        return wrapper

    return decorate


def _refusal(kind):
    """None when this socket may send a `kind` event now; else the error ack, after cutting
    off a socket that keeps flooding (the others in its rooms are told it left)."""
    verdict, retry_after = services().limiter.check(request.sid, kind)
    if verdict == ratelimit.ALLOWED:
        return None
    if verdict == ratelimit.FLOODING:
        logger.warning("disconnecting %s for flooding", request.sid)
        _cut_off(FLOOD_REASON)
    return refusal(TOO_FAST[kind], retry_after=round(retry_after, 3))


def _cut_off(reason):
    """Tell this socket why, then end its session and close its connection."""
    eio_sid = socketio.server.manager.eio_sid_from_sid(request.sid, request.namespace)
    emit("kicked", {"reason": reason})
    flask_socketio.disconnect()
    services().close_connection(eio_sid)


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
    ephemeral = f"{identities.EPHEMERAL}{secrets.token_hex(8)}"
    try:
        owner = people.key_owner(key) if isinstance(key, str) and key else ephemeral
        return names.nickname(auth.get("nick")), owner
    except (people.KeyRefused, names.InvalidName) as error:
        raise ConnectionRefusedError(str(error)) from None


def _sent_as_an_event():
    """Whether a client sent `connect` or `disconnect` as an ordinary event.

    Socket.IO hands such events to the lifecycle handlers too; it runs the real ones only
    while the socket is not (or no longer) counted as connected.
    """
    return socketio.server.manager.is_connected(request.sid, request.namespace)


def refused_on_failure(handler):
    """Refuse a connection whose connect handler failed, instead of admitting it unregistered.

    Flask-SocketIO takes the error handler's None, after any exception other than
    ConnectionRefusedError, as consent to connect.
    """

    @functools.wraps(handler)
    def wrapper(*arguments):
        try:
            return handler(*arguments)
        except ConnectionRefusedError:
            raise
        except Exception:
            logger.exception("connect of %s failed", request.sid)
            chat = services()
            chat.limiter.forget(request.sid)
            chat.presence.release(request.sid)
            chat.identities.forget(request.sid)
            raise ConnectionRefusedError("The server could not admit you; try again.") from None

    return wrapper


def _resuming(auth):
    """Whether a client reconnects after losing its connection (`auth.resume` true): its user
    never meant to go, so nobody is told it came online."""
    return isinstance(auth, dict) and auth.get("resume") is True


@refused_on_failure
def connect(auth=None):
    """Admit a socket under a valid nickname no other user holds; refuse it otherwise."""
    if _sent_as_an_event():
        return unknown_event("connect")
    nick, owner = _identity(auth)
    chat = services()
    # Refused before claiming it, so that attempts in a loop cannot keep the owner out.
    if chat.identities.reserved_to_another(nick, owner) is not None:
        raise ConnectionRefusedError(RESERVED.format(nick))
    try:
        admitted, first = chat.presence.claim(request.sid, nick, owner)
    except RedisUnavailable:
        raise ConnectionRefusedError(NICKNAMES_UNCHECKABLE) from None
    if not admitted:
        raise ConnectionRefusedError(f"Nickname '{nick}' is already in use.")
    identity = _reserved(chat, nick, owner)
    join_room(people.inbox(identity.holder))
    chat.limiter.admit(request.sid)
    emit("rooms", chat.presence.listing())
    if first and not _resuming(auth):
        chat.announcer.came_online(request.sid, nick)


def _reserved(chat, nick, owner):
    """This socket's identity, its nickname now reserved to a lasting owner; a nickname
    reserved to someone else meanwhile is refused, and the claim on it given back."""
    try:
        return chat.identities.admit(request.sid, nick, owner)
    except identities.NicknameReserved:
        reason = RESERVED.format(nick)
    except StoreUnavailable:
        reason = NICKNAMES_UNCHECKABLE
    chat.presence.release(request.sid)
    raise ConnectionRefusedError(reason)


def disconnect(*_reason):
    """Tell the rooms this nickname has left, and everyone when it went offline."""
    if _sent_as_an_event():
        return unknown_event("disconnect")
    chat = services()
    chat.limiter.forget(request.sid)
    nick, rooms_left, offline = chat.presence.release(request.sid)
    chat.announcer.departed(nick, rooms_left, offline, skip_sid=request.sid)
    chat.identities.left(request.sid, offline)


def sign_out(nick, owner):
    """End every socket of this process that holds nick for owner (a browser session signing
    out), through the disconnect handler, so its rooms and the room counts forget it now."""
    presence = services().presence
    sids = [sid for sid in presence.sockets_of(nick) if presence.owner(sid) == owner]
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/")


@acknowledged
@rate_limited(ratelimit.OTHER)
def join(data):
    """Join a room; ack with the first page of its members, their count, its recent history
    (or what came after `after_seq`, or the id `after`) and where this person stopped
    reading it.

    A re-join after a reconnect (`resume: true`) is told to the room's others as a
    `user joined` with `resumed: true`, for their member lists, not as news."""
    room = payloads.room(data)
    since = payloads.resume_point(data)
    resumed = payloads.optional(data, "resume", bool, False)
    chat = services()
    rejoining = chat.presence.is_in(request.sid, room)
    if not rejoining and len(chat.presence.rooms_of(request.sid)) >= MAX_ROOMS_PER_SOCKET:
        raise payloads.BadPayload(f"You can be in at most {MAX_ROOMS_PER_SOCKET} rooms.")
    wait = 0 if rejoining else _wait_to_create(chat, room)
    if wait:
        minutes = math.ceil(wait / 60)
        return refusal(
            f"You have created many rooms lately; join an existing one, or try again in "
            f"{minutes} min.",
            retry_after=round(wait, 3),
        )
    # In the room before reading history, so a message committed meanwhile is not missed.
    join_room(room)
    try:
        history, more = history_batch(room, since)
        count = chat.presence.join(request.sid, room)
        if count is not None:
            nick = chat.presence.nick(request.sid)
            chat.announcer.joined(room, nick, count, skip_sid=request.sid, resumed=resumed)
        members = chat.presence.members(room, chat.config["MEMBERS_PAGE"])
    except Exception:
        if not rejoining:
            _leave(room)  # the error ack says nothing changed: make it so
        raise
    read_seq, unread = reading.position(chat.store, people.me(), room)
    return {
        "ok": True,
        "room": room,
        "members": members.names,
        "member_count": members.count,
        "history": history,
        "more": more,
        "read_seq": read_seq,
        "unread": unread,
    }


def _wait_to_create(chat, room):
    """Seconds before this user may create room, if it would be new; 0 when it may now."""
    if chat.room_creation is None:
        return 0.0
    if chat.presence.occupied(room) or chat.store.has_history(room):
        return 0.0
    owner = chat.presence.owner(request.sid)
    return chat.room_creation.take(user=owner, address=request.remote_addr)


@acknowledged
@rate_limited(ratelimit.OTHER)
def find_rooms(data):
    """Ack with the busiest occupied rooms whose names contain `q` (the directory lists only
    the busiest of all)."""
    text = payloads.search_text(data)
    rooms, more = services().presence.find_rooms(text)
    return {"ok": True, "rooms": rooms, "more": more}


@acknowledged
@rate_limited(ratelimit.OTHER)
def members(data):
    """Ack with the next page of a joined room's member list, after the nickname `after`."""
    room = joined_room(data)
    after = payloads.nickname_after(data)
    chat = services()
    page = chat.presence.members(room, chat.config["MEMBERS_PAGE"], after)
    return {
        "ok": True,
        "room": room,
        "members": page.names,
        "more": page.more,
        "member_count": page.count,
    }


@acknowledged
@rate_limited(ratelimit.OTHER)
def history(data):
    """Ack with the messages of a joined room after the seq `after_seq` (or the id `after`),
    in bounded batches; or, with `before_seq`, the page of messages just before that seq."""
    room = joined_room(data)
    before = payloads.message_id(data, "before_seq")
    since = payloads.resume_point(data)
    if before is None:
        messages, more = history_batch(room, since or ("after", 0))
    elif since is None:
        messages, more = older_page(room, before)
    else:
        raise payloads.BadPayload("Give 'before_seq' or where to resume after, not both.")
    return {"ok": True, "room": room, "messages": messages, "more": more}


def older_page(room, before):
    """The last HISTORY_LIMIT messages before the seq `before`, oldest first, and whether
    older ones remain."""
    chat = services()
    page = chat.config["HISTORY_LIMIT"]
    messages = chat.store.before_seq(room, before, page + 1)
    return messages[-page:], len(messages) > page


def history_batch(room, since):
    """Recent history, or the next catch-up batch after a seen seq or id, and whether more
    follow."""
    chat = services()
    if since is None:
        return chat.store.recent(room, chat.config["HISTORY_LIMIT"]), False
    batch = chat.config["CATCH_UP_BATCH"]
    field, value = since
    read = chat.store.after_seq if field == "after_seq" else chat.store.after
    messages = read(room, value, batch)
    return messages, len(messages) == batch


@acknowledged
@rate_limited(ratelimit.OTHER)
def leave(data):
    """Leave a joined room and tell its remaining members."""
    _leave(joined_room(data))
    return {"ok": True}


def _leave(room):
    """Take this socket out of a room on every level, telling the room if its nick left."""
    chat = services()
    leave_room(room)
    count = chat.presence.leave(request.sid, room)
    if count is not None:
        chat.announcer.left(room, chat.presence.nick(request.sid), count, skip_sid=request.sid)


@acknowledged
@rate_limited(ratelimit.MESSAGE)
def chat_message(data):
    """Store a message, with the picture its `image` names if any; once committed, pass it to
    the room's others and ack the sender."""
    room = joined_room(data)
    sender = people.me().holder
    image = pictures.announced(data, sender)
    text = payloads.text(data, may_be_empty=image is not None)
    chat = services()
    draft = Draft(
        room=room,
        nick=chat.presence.nick(request.sid),
        sender_key=chat.presence.key(request.sid),
        text=text,
        ts=int(time.time() * 1000),
        client_id=payloads.client_id(data),
        sender=sender,
        mentions=mentions_in(text),
        image=image,
    )
    saved = chat.writer.save(draft)
    if not saved.duplicate:
        chat.stats.count_message()
        emit("chat message", saved.message, to=room, include_self=False)
    return stored(saved)


def mentions_in(text):
    """The nicknames a message mentions: held online, else reserved."""
    chat = services()
    return mentions.mentioned(
        text, lambda key: chat.presence.online_as(key) or chat.identities.reserved_nick(key)
    )


@acknowledged
@rate_limited(ratelimit.TYPING)
def typing(data):
    """Tell the room's others whether this user is typing."""
    room = joined_room(data)
    active = payloads.required(data, "active", bool)
    nick = services().presence.nick(request.sid)
    emit("typing", {"room": room, "nick": nick, "active": active}, to=room, include_self=False)
    return {"ok": True}


def unknown_event(event, *_arguments):
    """Answer an event outside the contract with an error instead of silence."""
    unknown = refusal(f"Unknown event '{str(event)[:64]}'.")
    return _refusal(ratelimit.OTHER) or unknown


def log_error(error):
    """Log anything a handler let escape; the connection stays up, but a connect that failed
    is refused rather than admitted unregistered (see refused_on_failure)."""
    logger.error("socket handler error: %r", error)
    return False if request.event["message"] == "connect" else None


HANDLERS = {
    "connect": connect,
    "disconnect": disconnect,
    "join": join,
    "history": history,
    "members": members,
    "leave": leave,
    "chat message": chat_message,
    "typing": typing,
    "find rooms": find_rooms,
    "*": unknown_event,
}


def register(socketio, *areas):
    """Bind these handlers, and those of each area module's HANDLERS (direct messages, search,
    ...), to the Socket.IO server of the app being created.

    Explicit rather than decorators at import time: a decorator binds only to the
    server that exists when the module is first imported, i.e. the first app.
    """
    for handlers in (HANDLERS, *(area.HANDLERS for area in areas)):
        for event, handler in handlers.items():
            socketio.on_event(event, handler)
    socketio.on_error_default(log_error)
