"""Passphrases that reclaim a nickname from another device: hashed with scrypt (a standard,
memory-hard key derivation function), with a random salt of their own, and compared in
constant time.

A hash records its parameters beside its salt, so raising COST later leaves older hashes
valid. Deriving one takes a fraction of a second of CPU and 32 MiB by design: callers run it
off the event loop (chat/core/identities.py).
"""

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

MIN_LENGTH = 8
MAX_LENGTH = 256
SCHEME = "scrypt"
SALT_BYTES = 16
HASH_BYTES = 32


@dataclass(frozen=True)
class Cost:
    """scrypt's parameters: n, CPU and memory cost (a power of two); r, block size; p,
    parallelism. It needs 128 * r * n bytes."""

    n: int
    r: int
    p: int

    def memory(self):
        """The most memory scrypt may use for these parameters, with room to spare."""
        return 2 * 128 * self.r * (self.n + self.p + 2)


# OWASP's Password Storage Cheat Sheet: N=2^15, r=8, p=3 (32 MiB), as costly to guess as its
# first choice, N=2^17 and p=1, with a quarter of the memory.
COST = Cost(n=2**15, r=8, p=3)


def hashed(passphrase):
    """The stored form of a passphrase: scheme, parameters, salt and hash, '$'-separated."""
    cost, salt = COST, os.urandom(SALT_BYTES)
    digest = _derive(passphrase, salt, cost)
    return "$".join([SCHEME, str(cost.n), str(cost.r), str(cost.p), _text(salt), _text(digest)])


def matches(passphrase, stored):
    """Whether a passphrase is the one a stored hash was made from (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        cost = Cost(int(n), int(r), int(p))
        salt, digest = base64.b64decode(salt), base64.b64decode(digest)
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    return hmac.compare_digest(_derive(passphrase, salt, cost), digest)


def _derive(passphrase, salt, cost):
    """scrypt of the NFKC form of a passphrase, so that one typed on another keyboard (a
    composed or a decomposed accent) derives the same key."""
    encoded = unicodedata.normalize("NFKC", passphrase).encode("utf-8")
    return hashlib.scrypt(
        encoded, salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.memory(), dklen=HASH_BYTES
    )


def _text(raw):
    """Bytes as base64 text."""
    return base64.b64encode(raw).decode("ascii")
