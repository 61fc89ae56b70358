"""A person's reserved nickname over the socket: how it stands, and the passphrase that
reclaims it on another device. And, when it has been reclaimed, the former owner's sockets
dropped on every process (chat/core/identities.py holds the rules).

A kick has to find a nickname's sockets, which only the process holding them knows: with a
Redis queue the order is published on a channel of its own (chat/cluster/orders.py), as
moderation's kicks are.
"""

import logging

from ..core import identities, ratelimit
from ..extensions import socketio
from ..services import services
from . import payloads, people
from .acks import acknowledged
from .events import rate_limited

CHAT = "/"
RECLAIMED = "Your nickname was reclaimed with its passphrase on another device."
RELEASED = "Your nickname is no longer reserved to you: it was released or reclaimed."

audit = logging.getLogger("chat.audit")


@acknowledged
@rate_limited(ratelimit.OTHER)
def identity(_data):
    """Ack with this socket's nickname, whether it is reserved to this person and for how many
    days after they leave, and whether it has a passphrase."""
    chat, me = services(), people.me()
    reservation = chat.identities.reservation(me.nick) if me.lasting else None
    reserved = reservation is not None and reservation.holder == me.holder
    return {
        "ok": True,
        "nick": me.nick,
        "reserved": reserved,
        "reserved_days": chat.config["NICKNAME_RESERVATION_DAYS"] if reserved else 0,
        "passphrase": reserved and reservation.passphrase is not None,
    }


@acknowledged
@rate_limited(ratelimit.PASSPHRASE)
def set_passphrase(data):
    """Set (or replace) the passphrase that reclaims this nickname on another device."""
    passphrase = payloads.passphrase(data)
    me = people.reserved_me("a passphrase")
    if not services().identities.set_passphrase(me, passphrase):
        raise payloads.BadPayload(RELEASED)
    return {"ok": True}


class Reclaims:
    """Drops, on every process, the sockets a reclaimed nickname's former owner still has."""

    def __init__(self, presence, orders=None):
        self.presence = presence
        self.orders = orders
        if orders is not None:
            orders.listen(self._carry_out)

    def reclaimed(self, nick, owner):
        """Disconnect nick's sockets held for any owner but its new one, here or everywhere."""
        order = {"nick": nick, "owner": identities.owner_digest(owner)}
        if self.orders is None:
            self._carry_out(order)
        else:
            self.orders.publish(order)

    def _carry_out(self, order):
        """Tell each of this process's sockets of the nickname held for another owner why,
        then disconnect it."""
        dropped = 0
        for sid in self.presence.sockets_of(order["nick"]):
            if self._owner_digest(sid) in (order["owner"], None):
                continue
            socketio.emit("kicked", {"reason": RECLAIMED}, to=sid, namespace=CHAT)
            socketio.server.disconnect(sid, namespace=CHAT)
            dropped += 1
        if dropped:
            audit.info("nickname %r reclaimed: %d former socket(s) dropped", order["nick"], dropped)

    def _owner_digest(self, sid):
        """The digest of the owner a socket is connected for, or None once it has gone."""
        try:
            return identities.owner_digest(self.presence.owner(sid))
        except KeyError:
            return None


HANDLERS = {"identity": identity, "set passphrase": set_passphrase}
