"""Read markers: how far a person has read a room or a direct conversation, kept by the server
(chat/core/reading.py) so that a "new messages" divider survives reloads and carries across
devices. Their other sockets are told when the marker moves."""

from flask_socketio import emit

from ..core import ratelimit
from ..services import services
from . import payloads, people
from .acks import acknowledged
from .direct import place
from .events import rate_limited


@acknowledged
@rate_limited(ratelimit.OTHER)
def read(data):
    """Move this person's read marker in a joined room (or their conversation `with` someone)
    up to `seq`, never back; ack with the marker, and send it to their other sockets."""
    seq = payloads.read_seq(data)
    me = people.reserved_me("read markers")
    where = place(data)
    chat = services()
    read_seq = chat.writer.call(chat.store.mark_read, me.holder, where.room, seq)
    marker = {**where.named, "read_seq": read_seq}
    emit("read marker", marker, to=people.inbox(me.holder), include_self=False)
    return {"ok": True, **marker}


HANDLERS = {"read": read}
