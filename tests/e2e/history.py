"""Messages put straight into a test server's history, as if people had sent them long ago."""

from chat.core import names
from chat.core.store import Draft, open_store


def store_messages(server, room, messages):
    """Store (when, nick, text) triples in room, oldest first; when is an aware datetime."""
    store = open_store(server.env["FLASK_DATABASE"])
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
