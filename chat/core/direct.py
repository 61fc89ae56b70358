"""Direct conversations between two people: each is a private room of its own, named after
their two holders (chat/core/identities.py), stored, numbered, caught up on, marked read and
searched as any room is. No public room can have such a name (names.room refuses ':').

A person finds a conversation by the other's nickname. Once a nickname has changed hands
(it lapsed or was released, and someone else took it), a conversation with its former holder
is still theirs to read, until one with the nickname's new holder begins: the nickname then
names that one.
"""

from . import names

PREFIX = "dm:"


def room_of(holder, other):
    """The private room of two holders' conversation, the same whoever of them asks."""
    return PREFIX + ":".join(sorted((holder, other)))


def is_direct(room):
    """Whether a room is a direct conversation."""
    return room.startswith(PREFIX)


def conversation_with(store, holder, nick):
    """holder's conversation with whoever holds (or held) nick, or None."""
    key = names.comparison_key(nick)
    found = store.conversations_with(holder, key)
    if not found:
        return None
    current = _holders(store, [key])[key]
    return next((c for c in found if c.partner == current), found[0])


def conversations_of(store, holder, limit):
    """holder's conversations, most recently active first, one per nickname (the one
    conversation_with finds), each with whether its partner no longer holds that nickname."""
    listed = store.conversations(holder, limit)
    current = _holders(store, {c.partner_key for c in listed})
    chosen = {}
    for conversation in listed:
        best = chosen.get(conversation.partner_key)
        now_theirs = conversation.partner == current[conversation.partner_key]
        if best is None or (now_theirs and best.partner != current[best.partner_key]):
            chosen[conversation.partner_key] = conversation
    return [(c, c.partner != current[c.partner_key]) for c in listed if chosen[c.partner_key] is c]


def _holders(store, keys):
    """{key: the holder of its nickname's reservation, or None}."""
    reservations = {key: store.reservation(key) for key in keys}
    return {key: r.holder if r else None for key, r in reservations.items()}
