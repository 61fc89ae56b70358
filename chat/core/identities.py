"""Who is behind a socket beyond its nickname, and nicknames reserved to their owners.

A browser session (its random `owner`) or a client's `key` is a lasting owner: the nickname it
connects with is reserved to it in the database (chat/core/store/nicknames.py), on every
process and host, for NICKNAME_RESERVATION_DAYS after it was last seen, so that nobody else
can take it meanwhile, not even while the server restarts. A socket without a key holds its
nickname only while connected, and cannot take one reserved to someone else.

Each reservation has a holder: a random id drawn when a nickname comes to a new owner, kept
while it stays theirs (and when they reclaim it on another device with its passphrase).
Direct messages, read markers and the authorship of messages belong to the holder, never to
the bare nickname: whoever takes a nickname after it lapsed or was released gets a new
holder, and none of that.
"""

import hashlib
import logging
import math
import secrets
import time
from dataclasses import dataclass

from . import names, passphrases
from .throttle import GuessThrottle
from .writer import StoreUnavailable

logger = logging.getLogger(__name__)

# Owners made up for a socket without a key (chat/realtime/events.py): they hold nothing once
# the socket is gone.
EPHEMERAL = "socket:"
DAY_MS = 24 * 3600 * 1000
# Passphrases hashed at once: each takes 32 MiB and a core for a fraction of a second.
HASHING_SLOTS = 2


class NicknameReserved(Exception):
    """A nickname is reserved to someone else."""


class ReclaimRefused(Exception):
    """A reclaim that did not happen; the message says why, `retry_after` when to try again."""

    def __init__(self, reason, retry_after=0.0):
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Identity:
    """A connected socket's nickname, its comparison key, its holder, the digest of its owner,
    and whether the nickname is reserved to that owner (`lasting`)."""

    nick: str
    key: str
    holder: str
    owner: str
    lasting: bool


def owner_digest(owner):
    """What the database keeps of an owner: its SHA-256, never the session's or key's secret."""
    return hashlib.sha256(owner.encode("utf-8", "surrogatepass")).hexdigest()


class Identities:
    """The identities of this process's sockets, and every reservation of a nickname."""

    def __init__(self, store, writer, runtime, reserve_for_days, clock=time.time):
        self.store = store
        self.writer = writer
        self.run_blocking = runtime.run_blocking
        self.reserve_for_ms = int(reserve_for_days * DAY_MS)
        self.clock = clock
        self.guesses_per_nickname = GuessThrottle()
        self.guesses_per_address = GuessThrottle()
        self._hashing = runtime.make_queue()
        for _ in range(HASHING_SLOTS):
            self._hashing.put(None)
        self._by_sid = {}

    def admit(self, sid, nick, owner):
        """The identity of a socket connecting under nick for owner, who checked that nick is
        not reserved_to_another: a lasting owner's nickname is now reserved to it, unless
        someone else reserved it meanwhile (NicknameReserved)."""
        key, digest = names.comparison_key(nick), owner_digest(owner)
        lasting = not owner.startswith(EPHEMERAL)
        holder = secrets.token_hex(16)
        if lasting:
            now = self._now()
            holder = self.writer.call(
                self.store.take_nickname,
                *(key, nick, digest, holder, now, now - self.reserve_for_ms),
            )
            if holder is None:
                raise NicknameReserved(nick)
        identity = self._by_sid[sid] = Identity(nick, key, holder, digest, lasting)
        return identity

    def of(self, sid):
        """The identity of a connected socket."""
        return self._by_sid[sid]

    def forget(self, sid):
        """Drop the identity of a socket that was refused or has gone."""
        return self._by_sid.pop(sid, None)

    def left(self, sid, offline):
        """Forget a socket that disconnected; when its nickname went offline, its reservation
        runs from now."""
        identity = self.forget(sid)
        if identity is None or not (identity.lasting and offline):
            return
        try:
            self.writer.call(self.store.seen_nickname, identity.key, identity.owner, self._now())
        except StoreUnavailable as error:
            # The reservation runs from when its holder was last seen before: shorter, no worse.
            logger.warning("could not note when %r left: %s", identity.nick, error)

    def reservation(self, nick):
        """The reservation of a nickname (by its look-alike key), lapsed or not, or None."""
        return self.store.reservation(names.comparison_key(nick))

    def reserved_nick(self, key):
        """The nickname reserved under a comparison key, as its holder spells it, or None."""
        reservation = self.store.reservation(key)
        return reservation.nick if reservation else None

    def someone_elses(self, nick, owner):
        """The reservation of nick, lapsed or not, if it is an owner's other than owner."""
        reservation = self.reservation(nick)
        if reservation is None or reservation.owner == owner_digest(owner):
            return None
        return reservation

    def holder_for(self, nick, owner):
        """The holder of nick when it is reserved to owner, as a connect under nick by owner
        would find it (however long ago owner was last seen); else None."""
        reservation = self.reservation(nick)
        if reservation is None or reservation.owner != owner_digest(owner):
            return None
        return reservation.holder

    def reserved_to_another(self, nick, owner):
        """The reservation of nick if it is in force for an owner other than owner, else None."""
        reservation = self.someone_elses(nick, owner)
        return None if reservation is None or self.lapsed(reservation) else reservation

    def lapsed(self, reservation):
        """Whether a reservation's holder was last seen longer ago than reservations last."""
        return reservation.last_seen < self._now() - self.reserve_for_ms

    def reclaim(self, nick, owner, passphrase, address):
        """Move nick's reservation (in force or lapsed) to owner, who knows its passphrase,
        keeping its holder; raise ReclaimRefused saying why not. Wrong guesses slow down
        further ones, per nickname and per address."""
        key = names.comparison_key(nick)
        wait = max(self.guesses_per_nickname.wait(key), self.guesses_per_address.wait(address))
        if wait:
            raise ReclaimRefused(
                f"Too many wrong passphrases; try again in {math.ceil(wait)} s.", wait
            )
        reservation = self.store.reservation(key)
        if reservation is None or reservation.passphrase is None:
            raise ReclaimRefused(f"Nickname '{nick}' has no passphrase to reclaim it with.")
        if not self._hashed(passphrases.matches, passphrase, reservation.passphrase):
            self.guesses_per_nickname.failed(key)
            self.guesses_per_address.failed(address)
            raise ReclaimRefused("That is not the nickname's passphrase.")
        moved = self.writer.call(
            self.store.hand_over_nickname, key, reservation.owner, owner_digest(owner), self._now()
        )
        if not moved:
            raise ReclaimRefused(f"Nickname '{nick}' changed hands meanwhile; try again.")
        self.guesses_per_nickname.succeeded(key)
        self.guesses_per_address.succeeded(address)

    def set_passphrase(self, identity, passphrase):
        """Store the hash of the passphrase that reclaims identity's nickname; False when the
        nickname is no longer reserved to its holder."""
        stored = self._hashed(passphrases.hashed, passphrase)
        return self.writer.call(self.store.set_passphrase, identity.holder, stored)

    def release(self, nick, owner):
        """Give up owner's reservation of nick, so anyone may take it once it is offline;
        False when it was not reserved to owner."""
        key = names.comparison_key(nick)
        return self.writer.call(self.store.release_nickname, key, owner_digest(owner))

    def _hashed(self, function, *arguments):
        """Run a passphrase hash in a thread, at most HASHING_SLOTS at once (the others wait)."""
        self._hashing.get()
        try:
            return self.run_blocking(lambda: function(*arguments))
        finally:
            self._hashing.put(None)

    def _now(self):
        """The time in milliseconds."""
        return int(self.clock() * 1000)
