"""Where a person stopped reading a room or a direct conversation, and how much came since:
from the read markers their pages set (chat/core/store/reading.py), so that a "new messages"
divider survives a reload and follows them from one device to the next."""

# Unread messages are counted up to this many: a badge shows "100+" beyond it.
UNREAD_LIMIT = 100


def position(store, identity, room, unread_from_start=False):
    """(the highest seq identity has read in room, or None; how many messages others wrote
    after it, up to UNREAD_LIMIT). A room never marked has nothing unread (joining one shows
    no backlog as new), a conversation never marked (`unread_from_start`) all of it. Only a
    nickname reserved to its holder has markers."""
    if not identity.lasting:
        return None, 0
    read_seq = store.read_seq(identity.holder, room)
    if read_seq is None and not unread_from_start:
        return None, 0
    return read_seq, store.unread(identity.holder, room, read_seq or 0, UNREAD_LIMIT)
