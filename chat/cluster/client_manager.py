"""Socket.IO's message queue on Redis, built so that no emit ever waits for Redis.

python-socketio's own RedisManager publishes inside the emitting handler: with Redis frozen,
every handler that emits (a message's ack, a join, a connect) waited for Redis to time out.
Here an emit reaches this process's sockets at once, as with any PubSubManager, and the copy
for the other processes is queued; one background task publishes the queue in order. While
Redis is unreachable the task holds up to HELD broadcasts (the oldest give way) and sends
them when it is back; the other processes' users get anything dropped from history when
they catch up.

Each copy carries its publisher's id and a sequence number, and a listener delivers only
copies newer than the last it delivered from that publisher. A publish that timed out may
still have reached Redis, and is sent again: its copies are delivered once, and never after
a later broadcast of the same process. A process never delivers its own copies (the
PubSubManager skips its own host id).

This builds on python-socketio's public extension point for message queues: a
PubSubManager subclass given as `client_manager`, implementing `_publish` and `_listen` as
its documentation asks of every backend.
"""

import collections
import itertools
import logging
import threading

import socketio

from .link import OUTAGE_ERRORS, PROBE_INTERVAL, Outage, bounded_client

logger = logging.getLogger(__name__)

HELD = 10_000
# Broadcasts published per round trip to Redis, in order.
BATCH = 100


class RedisClientManager(socketio.PubSubManager):
    """A Redis message queue whose emits deliver locally at once and publish in the background."""

    name = "redis"

    def __init__(self, url, timeout, channel="flask-socketio"):
        super().__init__(channel=channel)
        self.redis = bounded_client(url, timeout)
        self.outage = Outage("broadcasts reach this process's sockets only until it is back")
        self._held = collections.deque(maxlen=HELD)
        self._dropped = 0
        self._sequence = itertools.count(1)
        self._last_delivered = {}
        self._lock = threading.Lock()
        self._queued = None

    def initialize(self):
        """Start listening, and publishing from the queue, once this process serves sockets."""
        super().initialize()
        self._queued = self.server.eio.create_event()
        self.server.start_background_task(self._publish_held)

    def _publish(self, data):
        """Queue a broadcast for the other processes; a process serving no sockets (such as
        a `flask chat` command) publishes it at once instead."""
        if self._queued is None:
            self._publish_once(self._numbered(data))
            return
        with self._lock:
            if len(self._held) == HELD:
                self._dropped += 1  # the queue lets its oldest broadcast go for this one
            self._held.append(self._numbered(data))
        self._queued.set()

    def _numbered(self, data):
        """A broadcast's JSON, naming its publisher and its place in that publisher's order."""
        numbered = {**data, "publisher": self.host_id, "sequence": next(self._sequence)}
        return self.json.dumps(numbered)

    def _publish_once(self, payload):
        """Publish without queueing; a failure is logged, as python-socketio's managers do."""
        try:
            self.redis.publish(self.channel, payload)
        except OUTAGE_ERRORS as error:
            logger.error("could not publish to Redis: %s", error)

    def _publish_held(self):
        """Background task: publish queued broadcasts in order, waiting out any outage."""
        while True:
            self._queued.wait()
            self._queued.clear()
            while self._held:
                self._send([self._held.popleft() for _ in range(min(BATCH, len(self._held)))])

    def _send(self, batch):
        """Publish broadcasts in one round trip, all again while Redis is unreachable."""
        while True:
            pipe = self.redis.pipeline(transaction=False)
            for payload in batch:
                pipe.publish(self.channel, payload)
            try:
                pipe.execute()
            except OUTAGE_ERRORS as error:
                self.outage.began(error)
                self.server.sleep(PROBE_INTERVAL)
                continue
            except Exception:
                # Redis refused them (out of memory, say): waiting would not help, and this
                # task must go on publishing whatever comes next.
                logger.exception("Redis refused %d broadcast(s); dropped", len(batch))
                return
            self._reached()
            return

    def _reached(self):
        """Note that Redis took a broadcast; after an outage, say how many were dropped."""
        if self.outage.ongoing:
            with self._lock:
                dropped, self._dropped = self._dropped, 0
            self.outage.ended(f"; {dropped} broadcast(s) to other processes were dropped")

    def _listen(self):
        """Yield each new broadcast of the other processes, subscribing again after a loss."""
        while True:
            try:
                with self.redis.pubsub(ignore_subscribe_messages=True) as subscription:
                    subscription.subscribe(self.channel)
                    for message in subscription.listen():
                        broadcast = self._new(message["data"])
                        if broadcast is not None:
                            yield broadcast
            except OUTAGE_ERRORS as error:
                self.outage.began(error)
                self.server.sleep(PROBE_INTERVAL)

    def _new(self, data):
        """The broadcast in data, or None when it is not newer than the last one delivered
        from its publisher (a copy published twice, or overtaken by a later one)."""
        try:
            broadcast = self.json.loads(data)
            publisher, sequence = broadcast.get("publisher"), broadcast.get("sequence")
        except (ValueError, AttributeError):
            return None  # not a broadcast; PubSubManager would ignore it too
        if publisher in (None, self.host_id):
            return broadcast
        if sequence <= self._last_delivered.get(publisher, 0):
            return None
        self._last_delivered[publisher] = sequence
        return broadcast
