"""Orders every process sharing one Redis carries out, such as a moderator's kick: a JSON
object published on a channel, and a background task in each process that listens.

While Redis is unreachable an order is carried out by the process that gave it, at once,
and reaches no other: an order is not worth holding the operator, or a handler, for.
"""

import json
import logging

from .link import OUTAGE_ERRORS, PROBE_INTERVAL, RedisUnavailable

logger = logging.getLogger(__name__)


class OrdersChannel:
    """Publishes orders to every process on a Redis channel, and carries out those received."""

    def __init__(self, link, channel):
        self.link = link
        self.channel = channel
        self.carry_out = None

    def publish(self, order):
        """Send an order (a JSON-serialisable dict) to every listening process, this one too;
        carry it out in this process alone while Redis is unreachable."""
        data = json.dumps(order)
        try:
            self.link.call(self.link.redis.publish, self.channel, data)
        except RedisUnavailable:
            logger.warning("Redis unreachable: order %s carried out by this process only", data)
            self._carry_out(data)

    def listen(self, carry_out):
        """Call carry_out(order) for each order published from now on, in a background task."""
        self.carry_out = carry_out
        self.link.runtime.spawn(self._listen)

    def _listen(self):
        """Background task: receive orders forever, subscribing again whenever Redis drops."""
        while True:
            try:
                with self.link.redis.pubsub(ignore_subscribe_messages=True) as subscription:
                    subscription.subscribe(self.channel)
                    for message in subscription.listen():
                        self._carry_out(message["data"])
            except OUTAGE_ERRORS as error:
                self.link.lost(error)
                self.link.runtime.sleep(PROBE_INTERVAL)

    def _carry_out(self, data):
        """Carry out one order; a malformed or failing one is logged, not fatal."""
        try:
            self.carry_out(json.loads(data))
        except Exception:
            logger.exception("could not carry out order %r", data[:200])
