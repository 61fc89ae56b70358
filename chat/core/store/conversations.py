"""Direct conversations: who takes part in each (migration 0004). A conversation's messages
are those of a private room (chat/core/direct.py), stored and numbered as any room's; this
records its two holders, each with the other's nickname, so that a holder's conversations
can be listed and found by nickname. The SQL is the backends' shared dialect."""

from dataclasses import dataclass

# The columns a Conversation is read with, a conversation's party row joined to its room.
CONVERSATION_COLUMNS = "p.room, p.partner, p.partner_key, p.partner_nick, r.last_seq"
PARTIES = "direct_party p JOIN room r ON r.name = p.room"


@dataclass(frozen=True)
class Party:
    """One side of a conversation: a holder, and the nickname (and its key) it had."""

    holder: str
    key: str
    nick: str


@dataclass(frozen=True)
class Conversation:
    """A conversation as one of its holders sees it: its room, the other party, and the seq
    of its last message."""

    room: str
    partner: str
    partner_key: str
    partner_nick: str
    last_seq: int


class ConversationQueries:
    """The store's direct conversations (mixed into both backends)."""

    def open_conversation(self, room, first, second):
        """Record a conversation between two Parties; one recorded before stays as it was."""
        self._change(
            "INSERT INTO direct_party (holder, room, partner, partner_key, partner_nick)"
            " VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ON CONFLICT (holder, room) DO NOTHING",
            (
                *(first.holder, room, second.holder, second.key, second.nick),
                *(second.holder, room, first.holder, first.key, first.nick),
            ),
        )

    def conversation(self, holder, room):
        """A conversation as one of its parties sees it, or None when holder is no party to
        it (or it has no message yet)."""
        rows = self._query(
            f"SELECT {CONVERSATION_COLUMNS} FROM {PARTIES} WHERE p.holder = ? AND p.room = ?",
            (holder, room),
        )
        return Conversation(*rows[0]) if rows else None

    def conversations(self, holder, limit):
        """A holder's conversations with a message stored, most recently active first."""
        rows = self._query(
            f"SELECT {CONVERSATION_COLUMNS} FROM {PARTIES} WHERE p.holder = ?"
            " ORDER BY r.last_ts DESC, p.room LIMIT ?",
            (holder, limit),
        )
        return [Conversation(*row) for row in rows]

    def conversations_with(self, holder, partner_key):
        """A holder's conversations with whoever held a nickname (by its key), most recently
        active first: more than one when the nickname changed hands."""
        rows = self._query(
            f"SELECT {CONVERSATION_COLUMNS} FROM {PARTIES}"
            " WHERE p.holder = ? AND p.partner_key = ? ORDER BY r.last_ts DESC, p.room",
            (holder, partner_key),
        )
        return [Conversation(*row) for row in rows]
