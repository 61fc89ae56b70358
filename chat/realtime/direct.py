"""Direct messages between two people (chat/core/direct.py has the rules): each one is sent to
the recipient's sockets and to the sender's other sockets, on any process (their inboxes),
stored exactly once as room messages are, caught up on by seq, and listed with unread counts.
Only the two holders can read a conversation: nobody who takes either nickname later."""

import time
from dataclasses import dataclass

from flask_socketio import emit

from ..core import direct, names, ratelimit, reading
from ..core.store import Draft
from ..core.store.conversations import Party
from ..services import services
from . import payloads, people, pictures
from .acks import acknowledged, stored
from .events import history_batch, joined_room, older_page, rate_limited

CONVERSATIONS_LIMIT = 50
WHAT = "direct messages"


@dataclass(frozen=True)
class Place:
    """What an event is about: the fields naming it in the ack, the room holding its messages,
    and for a conversation, the other party's nickname."""

    named: dict
    room: str
    partner_nick: str | None = None


def place(data):
    """A room this socket joined (`room`), or this person's conversation `with` a nickname."""
    field, value = payloads.place(data)
    if field == "room":
        room = joined_room(data)
        return Place({"room": room}, room)
    me = people.reserved_me(WHAT)
    conversation = direct.conversation_with(services().store, me.holder, value)
    if conversation is None:
        raise payloads.BadPayload(f"You have no conversation with '{value}'.")
    return Place({"with": conversation.partner_nick}, conversation.room, conversation.partner_nick)


def shown(message, me, partner_nick):
    """A stored message of me's conversation with partner_nick, as its parties see it: from
    and to, without the conversation's private room."""
    from_me = names.comparison_key(message["nick"]) == me.key
    shape = {key: value for key, value in message.items() if key not in ("room", "nick")}
    return {**shape, "from": message["nick"], "to": partner_nick if from_me else me.nick}


@acknowledged
@rate_limited(ratelimit.MESSAGE)
def direct_message(data):
    """Store a direct message, with the picture its `image` names if any; once committed, send
    it to the recipient's sockets and to the sender's others, and ack the sender."""
    to = payloads.nickname(data, "to")
    me = people.reserved_me(WHAT)
    image = pictures.announced(data, me.holder)
    text = payloads.text(data, may_be_empty=image is not None)
    client_id = payloads.client_id(data)
    chat = services()
    recipient = _recipient(chat, me, to)
    room = direct.room_of(me.holder, recipient.holder)
    _open(chat, room, me, recipient)
    # Resends are recognised per holder: a later holder of the nickname finds none of them.
    draft = Draft(room, me.nick, me.holder, text, _now(), client_id, me.holder, image=image)
    saved = chat.writer.save(draft)
    message = shown(saved.message, me, recipient.nick)
    if not saved.duplicate:
        chat.stats.count_message()
        emit("direct message", message, to=people.inbox(recipient.holder))
        emit("direct message", message, to=people.inbox(me.holder), include_self=False)
    return stored(saved)


def _recipient(chat, me, to):
    """The reservation of the nickname a direct message is for."""
    if names.comparison_key(to) == me.key:
        raise payloads.BadPayload("A direct message goes to someone else.")
    reservation = chat.identities.reservation(to)
    if reservation is None:
        raise payloads.BadPayload(
            f"Nickname '{to}' is reserved to nobody, so nobody can receive direct messages "
            "under it."
        )
    return reservation


def _open(chat, room, me, recipient):
    """Record the conversation's two parties, the first time one of them writes."""
    if chat.store.conversation(me.holder, room) is None:
        sender = Party(me.holder, me.key, me.nick)
        receiver = Party(recipient.holder, recipient.key, recipient.nick)
        chat.writer.call(chat.store.open_conversation, room, sender, receiver)


@acknowledged
@rate_limited(ratelimit.OTHER)
def direct_history(data):
    """Ack with the recent messages of this person's conversation `with` a nickname, the next
    batch after the seq `after_seq` (or the id `after`), or the page before `before_seq`."""
    partner = payloads.nickname(data, "with")
    since = payloads.resume_point(data)
    before = payloads.message_id(data, "before_seq")
    if before is not None and since is not None:
        raise payloads.BadPayload("Give 'before_seq' or where to resume after, not both.")
    me = people.reserved_me(WHAT)
    conversation = direct.conversation_with(services().store, me.holder, partner)
    if conversation is None:
        return {"ok": True, "with": partner, "messages": [], "more": False}
    if before is None:
        messages, more = history_batch(conversation.room, since)
    else:
        messages, more = older_page(conversation.room, before)
    return {
        "ok": True,
        "with": conversation.partner_nick,
        "messages": [shown(message, me, conversation.partner_nick) for message in messages],
        "more": more,
    }


@acknowledged
@rate_limited(ratelimit.HEAVY_READ)
def conversations(_data):
    """Ack with this person's conversations, most recently active first: with whom, its last
    message and seq, where they stopped reading and how many messages came since."""
    me = people.reserved_me(WHAT)
    store = services().store
    listed = direct.conversations_of(store, me.holder, CONVERSATIONS_LIMIT + 1)
    summaries = [_summary(store, me, *entry) for entry in listed[:CONVERSATIONS_LIMIT]]
    return {"ok": True, "conversations": summaries, "more": len(listed) > CONVERSATIONS_LIMIT}


def _summary(store, me, conversation, former):
    """A conversation as `conversations` lists it."""
    read_seq, unread = reading.position(store, me, conversation.room, unread_from_start=True)
    [last] = store.recent(conversation.room, 1) or [None]
    return {
        "with": conversation.partner_nick,
        "former": former,
        "last": shown(last, me, conversation.partner_nick) if last else None,
        "last_seq": conversation.last_seq,
        "read_seq": read_seq,
        "unread": unread,
    }


def _now():
    """The time in milliseconds."""
    return int(time.time() * 1000)


HANDLERS = {
    "direct message": direct_message,
    "direct history": direct_history,
    "conversations": conversations,
}
