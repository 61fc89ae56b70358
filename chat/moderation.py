"""Moderation of the chat namespace `/`: announcements, message removal and kicks.

Announcements and removals are emits to a room or to everyone, which a message queue
already carries to every process. A kick has to find a nickname's sockets, which only the
process holding them knows; with a Redis queue the order is therefore published on a
channel of its own, and every process kicks the sockets it holds.
"""

import json
import logging
import time

import redis

from .extensions import socketio
from .runtime import services

CHAT = "/"
ORDERS_CHANNEL = "chat-moderation"

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

    def __init__(self, server, presence, message_queue):
        self.server = server
        self.presence = presence
        self.redis = None
        if message_queue.startswith(("redis://", "rediss://")):
            self.redis = redis.Redis.from_url(message_queue)
            server.start_background_task(self._carry_out_orders)
        elif message_queue:
            logger.warning("kicks reach only this process's sockets with a non-Redis queue")

    def kick(self, nick, reason):
        """Kick nick here, or order every process sharing the Redis queue to do so."""
        if self.redis is None:
            self.kick_here(nick, reason)
        else:
            self.redis.publish(ORDERS_CHANNEL, json.dumps({"nick": nick, "reason": reason}))

    def kick_here(self, nick, reason):
        """Tell each of nick's sockets in this process why, then disconnect it."""
        sids = self.presence.sockets_of(nick)
        for sid in sids:
            self.server.emit("kicked", {"reason": reason}, to=sid, namespace=CHAT)
            self.server.disconnect(sid, namespace=CHAT)
        if sids:
            audit.info("kick carried out: %d socket(s) of %r disconnected", len(sids), nick)

    def _carry_out_orders(self):
        """Background task: kick whoever any process names, resubscribing if Redis drops."""
        while True:
            try:
                orders = self.redis.pubsub(ignore_subscribe_messages=True)
                orders.subscribe(ORDERS_CHANNEL)
                for message in orders.listen():
                    self._carry_out(message["data"])
            except redis.RedisError:
                logger.warning("moderation channel lost; resubscribing in 1 s", exc_info=True)
                self.server.sleep(1)

    def _carry_out(self, data):
        """Carry out one published kick order; a bad one is logged, not fatal."""
        try:
            order = json.loads(data)
            self.kick_here(order["nick"], order["reason"])
        except Exception:
            logger.exception("could not carry out moderation order %r", data[:200])
