"""Orders every process sharing one Redis carries out, such as a moderator's kick: a JSON
object published on a channel, and a background task in each process that listens."""

import json
import logging

import redis

logger = logging.getLogger(__name__)


class OrdersChannel:
    """Publishes orders to every process on a Redis channel, and carries out those received."""

    def __init__(self, url, channel, runtime):
        self.redis = redis.Redis.from_url(url)
        self.channel = channel
        self.runtime = runtime

    def publish(self, order):
        """Send an order (a JSON-serialisable dict) to every listening process, this one too."""
        self.redis.publish(self.channel, json.dumps(order))

    def listen(self, carry_out):
        """Call carry_out(order) for each order published from now on, in a background task."""
        self.runtime.spawn(self._listen, carry_out)

    def _listen(self, carry_out):
        """Background task: receive orders forever, resubscribing whenever Redis drops."""
        while True:
            try:
                subscription = self.redis.pubsub(ignore_subscribe_messages=True)
                subscription.subscribe(self.channel)
                for message in subscription.listen():
                    self._carry_out(carry_out, message["data"])
            except redis.RedisError:
                logger.warning("orders channel %s lost; resubscribing in 1 s", self.channel)
                self.runtime.sleep(1)

    def _carry_out(self, carry_out, data):
        """Carry out one order; a malformed or failing one is logged, not fatal."""
        try:
            carry_out(json.loads(data))
        except Exception:
            logger.exception("could not carry out order %r", data[:200])
