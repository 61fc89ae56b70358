"""A room's messages: read back (the recent ones, catch-up after an id or a seq, older pages
before a seq, each on an index of `message`), whether it has any, and one deleted. The SQL is
the backends' shared dialect."""

from .base import COLUMNS, PUBLIC_ROOMS, as_message


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

    def has_history(self, room):
        """Whether a room has ever had a message stored."""
        return bool(self._query("SELECT 1 FROM room WHERE name = ?", (room,)))

    def room_names(self, limit):
        """Names of the public rooms with history, most recently active first."""
        rows = self._query(
            f"SELECT name FROM room WHERE {PUBLIC_ROOMS} ORDER BY last_ts DESC, name LIMIT ?",
            (limit,),
        )
        return [row[0] for row in rows]

    def delete(self, message_id):
        """Delete one message, and its picture unless another message shows it; return it, or
        None when there was none."""
        rows = self._change(f"DELETE FROM message WHERE id = ? RETURNING {COLUMNS}", (message_id,))
        return self._deleted(rows)

    def _deleted(self, rows):
        """The message a deletion RETURNING COLUMNS gave, its picture dropped unless another
        message shows it; None when nothing was deleted."""
        if not rows:
            return None
        message = as_message(rows[0])
        self.drop_unshown_picture(message)
        return message
