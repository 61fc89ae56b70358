"""Nickname reservations, in the database so that every process and host agrees on them: who
holds each nickname, since when, and the hash of its passphrase (migration 0003).

A nickname is reserved by its comparison key (chat/core/names.py), so look-alikes are one
reservation. The SQL is the backends' shared dialect ('?' placeholders, see HistoryStore).
"""

from dataclasses import dataclass

RESERVATION_COLUMNS = "key, nick, holder, owner, passphrase, last_seen"


@dataclass(frozen=True)
class Reservation:
    """A nickname's row: `owner` is a digest (never the secret), `last_seen` in ms."""

    key: str
    nick: str
    holder: str
    owner: str
    passphrase: str | None
    last_seen: int


class NicknameQueries:
    """The store's reservations of nicknames (mixed into both backends)."""

    def reservation(self, key):
        """The reservation of a nickname's comparison key, or None."""
        rows = self._query(f"SELECT {RESERVATION_COLUMNS} FROM nickname WHERE key = ?", (key,))
        return Reservation(*rows[0]) if rows else None

    def take_nickname(self, key, nick, owner, holder, now, lapsed_before):
        """Reserve a nickname for owner, seen now; return its holder, or None when another
        owner's reservation of it was seen at or after `lapsed_before`.

        The owner's own reservation keeps its holder and passphrase, however old; one that
        lapsed is taken over under the new `holder`, without a passphrase.
        """
        rows = self._change(
            f"INSERT INTO nickname ({RESERVATION_COLUMNS}) VALUES (?, ?, ?, ?, NULL, ?)"
            " ON CONFLICT (key) DO UPDATE SET nick = excluded.nick,"
            " last_seen = excluded.last_seen, owner = excluded.owner,"
            " holder = CASE WHEN nickname.owner = excluded.owner"
            " THEN nickname.holder ELSE excluded.holder END,"
            " passphrase = CASE WHEN nickname.owner = excluded.owner"
            " THEN nickname.passphrase END"
            " WHERE nickname.owner = excluded.owner OR nickname.last_seen < ?"
            " RETURNING holder",
            (key, nick, holder, owner, now, lapsed_before),
        )
        return rows[0][0] if rows else None

    def seen_nickname(self, key, owner, now):
        """Note that the owner of a nickname's reservation was last seen now."""
        self._change(
            "UPDATE nickname SET last_seen = ? WHERE key = ? AND owner = ?", (now, key, owner)
        )

    def hand_over_nickname(self, key, previous_owner, owner, now):
        """Move a reservation from previous_owner to owner, keeping its holder; False when it
        was no longer previous_owner's."""
        rows = self._change(
            "UPDATE nickname SET owner = ?, last_seen = ? WHERE key = ? AND owner = ?"
            " RETURNING holder",
            (owner, now, key, previous_owner),
        )
        return bool(rows)

    def set_passphrase(self, holder, hashed):
        """Store the hash of a holder's passphrase; False when the holder reserves nothing."""
        rows = self._change(
            "UPDATE nickname SET passphrase = ? WHERE holder = ? RETURNING key", (hashed, holder)
        )
        return bool(rows)

    def release_nickname(self, key, owner):
        """Delete an owner's reservation of a nickname; False when it was not theirs."""
        rows = self._change(
            "DELETE FROM nickname WHERE key = ? AND owner = ? RETURNING holder", (key, owner)
        )
        return bool(rows)
