"""Editing and deleting one's own messages, in rooms and direct conversations: only their
author (the same holder, chat/core/identities.py) may, and whoever can see a message is told:
a room's members, or the conversation's other party and the author's other sockets."""

import time

from flask_socketio import emit

from ..core import direct, ratelimit
from ..services import services
from . import payloads, people
from .acks import acknowledged
from .events import mentions_in, rate_limited

NOT_YOURS = "Message {} is not one of yours (or no longer exists): only its author may change it."


@acknowledged
@rate_limited(ratelimit.MESSAGE)
def edit_message(data):
    """Replace the text of one of this person's messages; tell whoever sees it."""
    message_id = payloads.message_ref(data)
    text = payloads.text(data)
    me, chat = people.me(), services()
    found = chat.store.authored(message_id)
    if found is None or found[1] != me.holder:
        raise payloads.BadPayload(NOT_YOURS.format(message_id))
    room = found[0]["room"]
    mentions = () if direct.is_direct(room) else mentions_in(text)
    edited = chat.writer.call(
        chat.store.edit, message_id, me.holder, text, mentions, int(time.time() * 1000)
    )
    if edited is None:
        raise payloads.BadPayload(NOT_YOURS.format(message_id))
    change = {"text": edited["text"], "edited_ts": edited["edited_ts"]}
    if "mentions" in edited:
        change["mentions"] = edited["mentions"]
    _tell(chat, me, edited, "message edited", change)
    return {"ok": True, "id": message_id, "edited_ts": edited["edited_ts"]}


@acknowledged
@rate_limited(ratelimit.MESSAGE)
def delete_message(data):
    """Delete one of this person's messages (its seq stays unused); tell whoever saw it."""
    message_id = payloads.message_ref(data)
    me, chat = people.me(), services()
    removed = chat.writer.call(chat.store.delete_authored, message_id, me.holder)
    if removed is None:
        raise payloads.BadPayload(NOT_YOURS.format(message_id))
    _tell(chat, me, removed, "message removed", {})
    return {"ok": True, "id": message_id}


def _tell(chat, me, message, event, change):
    """Send event about a message to the others who see it: its room's members but this
    socket; for a conversation, the other party's sockets and this person's other ones, each
    told who the conversation is `with`."""
    room = message["room"]
    notice = {"id": message["id"], **change}
    if not direct.is_direct(room):
        emit(event, {**notice, "room": room}, to=room, include_self=False)
        return
    conversation = chat.store.conversation(me.holder, room)
    emit(event, {**notice, "with": me.nick}, to=people.inbox(conversation.partner))
    mine = {**notice, "with": conversation.partner_nick}
    emit(event, mine, to=people.inbox(me.holder), include_self=False)


HANDLERS = {"edit message": edit_message, "delete message": delete_message}
