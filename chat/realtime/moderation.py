"""Moderation of the chat namespace `/`: announcements, message removal and kicks.

Announcements and removals are emits to a room or to everyone, which a message queue
already carries to every process. A kick has to find a nickname's sockets, which only the
process holding them knows; with a Redis queue the order is therefore published on the
orders channel (chat/cluster/orders.py), and every process kicks the sockets it holds.
"""

import logging
import time

from ..extensions import socketio
from ..services import services

CHAT = "/"

logger = logging.getLogger(__name__)
audit = logging.getLogger("chat.audit")


def announce(text, room=None):
    """Show a server announcement to everyone, or to one room; return what was sent."""
    announcement = {"text": text, "ts": int(time.time() * 1000)}
    if room is not None:
        announcement["room"] = room
    socketio.emit("announcement", announcement, to=room, namespace=CHAT)
    return announcement


def remove_message(message_id):
    """Delete a message from history and from its room's screens; return it, or None."""
    chat = services()
    removed = chat.writer.call(chat.store.delete, message_id)
    if removed is not None:
        notice = {"id": removed["id"], "room": removed["room"]}
        socketio.emit("message removed", notice, to=removed["room"], namespace=CHAT)
    return removed


class Kicker:
    """Disconnects every socket of a nickname, in whichever process holds it."""

    def __init__(self, presence, orders=None):
        self.presence = presence
        self.orders = orders
        if orders is not None:
            orders.listen(self._carry_out)

    def kick(self, nick, reason):
        """Kick nick here, or order every process sharing the Redis queue to do so."""
        if self.orders is None:
            self.kick_here(nick, reason)
        else:
            self.orders.publish({"nick": nick, "reason": reason})

    def kick_here(self, nick, reason):
        """Tell each of nick's sockets in this process why, then disconnect it."""
        sids = self.presence.sockets_of(nick)
        for sid in sids:
            socketio.emit("kicked", {"reason": reason}, to=sid, namespace=CHAT)
            socketio.server.disconnect(sid, namespace=CHAT)
        if sids:
            audit.info("kick carried out: %d socket(s) of %r disconnected", len(sids), nick)

    def _carry_out(self, order):
        """Carry out a kick ordered by any process."""
        self.kick_here(order["nick"], order["reason"])
