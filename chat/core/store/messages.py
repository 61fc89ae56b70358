"""Reading a room's messages back: the recent ones, catch-up after an id or a seq, and older
pages before a seq, each on an index of `message`. The SQL is the backends' shared dialect."""

from .base import COLUMNS, as_message


class MessageQueries:
    """The store's reads of a room's history (mixed into both backends)."""

    def recent(self, room, limit):
        """The last `limit` messages of a room, oldest first."""
        rows = self._query(
            f"SELECT {COLUMNS} FROM message WHERE room = ? ORDER BY seq DESC LIMIT ?",
            (room, limit),
        )
        return [as_message(row) for row in reversed(rows)]

    def after(self, room, after_id, limit):
        """Up to `limit` messages of a room with an id above `after_id`, in id order."""
        rows = self._query(
            f"SELECT {COLUMNS} FROM message WHERE room = ? AND id > ? ORDER BY id LIMIT ?",
            (room, after_id, limit),
        )
        return [as_message(row) for row in rows]

    def after_seq(self, room, after_seq, limit):
        """Up to `limit` messages of a room with a seq above `after_seq`, in seq order."""
        rows = self._query(
            f"SELECT {COLUMNS} FROM message WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?",
            (room, after_seq, limit),
        )
        return [as_message(row) for row in rows]

    def before_seq(self, room, before_seq, limit):
        """The last `limit` messages of a room with a seq below `before_seq`, in seq order."""
        rows = self._query(
            f"SELECT {COLUMNS} FROM message WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (room, before_seq, limit),
        )
        return [as_message(row) for row in reversed(rows)]
