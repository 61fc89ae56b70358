"""Read markers: how far each holder has read each room and direct conversation, kept in the
database so that a "new messages" divider survives reloads and follows a person from one
device to the next (migration 0004). The SQL is the backends' shared dialect."""


class ReadingQueries:
    """The store's read markers and unread counts (mixed into both backends)."""

    def mark_read(self, holder, room, seq):
        """Move a holder's marker in a room up to seq (never past the room's last seq, never
        back); return the marker now, or None when the room has no history."""
        rows = self._change(
            "INSERT INTO read_marker (holder, room, seq)"
            " SELECT ?, name, CASE WHEN last_seq < ? THEN last_seq ELSE ? END"
            " FROM room WHERE name = ?"
            " ON CONFLICT (holder, room) DO UPDATE SET seq = CASE"
            " WHEN excluded.seq > read_marker.seq THEN excluded.seq ELSE read_marker.seq END"
            " RETURNING seq",
            (holder, seq, seq, room),
        )
        return rows[0][0] if rows else None

    def read_seq(self, holder, room):
        """The highest seq a holder has read in a room, or None when they never said."""
        rows = self._query(
            "SELECT seq FROM read_marker WHERE holder = ? AND room = ?", (holder, room)
        )
        return rows[0][0] if rows else None

    def unread(self, holder, room, after_seq, limit):
        """How many messages of a room after after_seq others wrote, counting up to limit."""
        rows = self._query(
            "SELECT count(*) FROM (SELECT 1 FROM message WHERE room = ? AND seq > ?"
            " AND (sender IS NULL OR sender <> ?) LIMIT ?) AS unread",
            (room, after_seq, holder, limit),
        )
        return rows[0][0]
