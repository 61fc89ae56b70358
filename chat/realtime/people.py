"""Who is behind the socket of the event being handled, and each person's inbox: the
Socket.IO room of every socket of one holder (chat/core/identities.py), on any process, since
the message queue carries emits to rooms everywhere. Direct messages, their edits and read
markers are sent there."""

from flask import request

from ..services import services
from .payloads import BadPayload

NOT_RESERVED = "Only a nickname reserved to you has {}: sign in on the form, or connect with a key."
KEY_MAX = 128


class KeyRefused(ValueError):
    """A client key that cannot be taken; the message says why."""


def key_owner(key):
    """The lasting owner a programmatic client's key names (chat/core/identities.py), for a
    socket's connect and an upload's headers alike."""
    # The key is stored with each message as its sender's; text a database refuses (NUL, a
    # lone surrogate) would fail every message committed with it.
    if not (len(key) <= KEY_MAX and key.isprintable()):
        raise KeyRefused(f"The key must be at most {KEY_MAX} printable characters.")
    return f"key:{key}"


def inbox(holder):
    """The Socket.IO room of a holder's sockets."""
    return f"inbox:{holder}"


def me():
    """The identity of this event's socket."""
    return services().identities.of(request.sid)


def reserved_me(what):
    """The identity of this event's socket, whose nickname must be reserved to it, since
    `what` (e.g. "direct messages") lasts beyond the connection."""
    identity = me()
    if not identity.lasting:
        raise BadPayload(NOT_RESERVED.format(what))
    return identity
