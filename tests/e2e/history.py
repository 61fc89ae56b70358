"""Messages put straight into a test server's history, as if people had sent them long ago."""

from chat.core import names
from chat.core.store import Draft, SQLiteStore


def store_messages(server, room, messages):
    """Store (when, nick, text) triples in room, oldest first; when is an aware datetime."""
    store = SQLiteStore(server.env["FLASK_DATABASE"])
    try:
        store.save_batch(
            [
                Draft(
                    room=room,
                    nick=nick,
                    sender_key=names.comparison_key(nick),
                    text=text,
                    ts=int(when.timestamp() * 1000),
                )
                for when, nick, text in messages
            ]
        )
    finally:
        store.close()
