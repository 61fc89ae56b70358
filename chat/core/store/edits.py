"""Editing and deleting one's own messages: every change is conditional on the message's
`sender`, its author's holder (migration 0004), so that nobody else's message can change.
The SQL is the backends' shared dialect; the search index follows on its own (on SQLite by
triggers, on PostgreSQL as a generated column)."""

from .base import COLUMNS, as_message, stored_mentions


class EditQueries:
    """The store's edits and deletions by authors (mixed into both backends)."""

    def authored(self, message_id):
        """(a message, its author's holder or None), or None when there is no such message."""
        rows = self._query(f"SELECT {COLUMNS}, sender FROM message WHERE id = ?", (message_id,))
        if not rows:
            return None
        *columns, sender = rows[0]
        return as_message(columns), sender

    def edit(self, message_id, sender, text, mentions, edited_ts):
        """Replace the text (and mentions) of sender's message; return it edited, or None when
        sender wrote no message of that id."""
        rows = self._change(
            "UPDATE message SET text = ?, mentions = ?, edited_ts = ?"
            f" WHERE id = ? AND sender = ? RETURNING {COLUMNS}",
            (text, stored_mentions(mentions), edited_ts, message_id, sender),
        )
        return as_message(rows[0]) if rows else None

    def delete_authored(self, message_id, sender):
        """Delete sender's message, and its picture unless another message shows it; return
        it, or None when sender wrote no message of that id. Its seq is not given again."""
        rows = self._change(
            f"DELETE FROM message WHERE id = ? AND sender = ? RETURNING {COLUMNS}",
            (message_id, sender),
        )
        return self._deleted(rows)
