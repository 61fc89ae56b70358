"""What every history store offers, whatever its database: the message shapes, the errors,
and the one way a batch of drafts becomes stored messages numbered without gaps per room.

A message's `id` is unique in the database; its `seq` counts the messages of its room in
commit order: 1, 2, 3, ... with no gap and no repeat, on every host. Each room's row in the
`room` table holds the last seq given out; a batch raises it in the same transaction as it
inserts the messages, so the row's lock orders the commits of one room.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property

from .pictures import Shown

# The columns a message is read with, in the order `as_message` expects (client_id last: a
# resend is found by it).
COLUMNS = "id, room, seq, nick, text, ts, edited_ts, mentions, image, client_id"
# The columns a message is inserted with, in the order of `Draft.values`.
INSERTED = "room, nick, sender_key, client_id, text, ts, sender, mentions, image, seq"
# What an insert does with a resend: nothing (and returns no row for it).
RESEND_IGNORED = "ON CONFLICT (sender_key, client_id) WHERE client_id IS NOT NULL DO NOTHING"
# How many transactions a batch may take (see HistoryStore._save_retrying).
SAVE_ATTEMPTS = 3
# Public rooms, as the form page lists them: direct conversations (chat/core/direct.py) are
# rooms named 'dm:...'. The same words as the room_recent_public index's (migration 0004), so
# that a query saying them reads that index.
PUBLIC_ROOMS = "substr(name, 1, 3) <> 'dm:'"
# A room's last_ts moves in steps of at least this many milliseconds: the list of rooms
# needs no finer order, and each move rewrites the room's entry in the room_recent index
# (on SQLite that doubled the cost of a one-message commit).
ACTIVITY_STEP_MS = 1000


@dataclass(frozen=True)
class Draft:
    """A message about to be stored; `client_id` makes a resend idempotent. `sender` is its
    author's holder (chat/core/identities.py), who alone may edit or delete it; `mentions`
    the nicknames it mentions; `image` the picture it shows (a pictures.Shown)."""

    room: str
    nick: str
    sender_key: str
    text: str
    ts: int
    client_id: str | None = None
    sender: str | None = None
    mentions: tuple[str, ...] = ()
    image: Shown | None = None

    @cached_property
    def key(self):
        """(sender_key, client_id), which a resend repeats; None without a client id."""
        return None if self.client_id is None else (self.sender_key, self.client_id)

    def values(self, seq):
        """The values of the INSERTED columns, with the seq the draft was given."""
        mentions = stored_mentions(self.mentions)
        image = self.image.column() if self.image else None
        return (
            *(self.room, self.nick, self.sender_key, self.client_id, self.text, self.ts),
            *(self.sender, mentions, image, seq),
        )


@dataclass(frozen=True)
class Saved:
    """The stored form of a draft; `duplicate` is true when it had been stored before."""

    message: dict
    duplicate: bool


class StoreBusy(Exception):
    """Another process holds the database's write lock, and the caller would not wait."""


class HistoryUnavailable(Exception):
    """The database could not be reached to read history."""


class Resent(Exception):
    """A draft of the batch had been stored already: the batch was rolled back, and must
    look for resends before it inserts."""


def as_message(row):
    """A row read with COLUMNS as the public message shape: `edited_ts`, `mentions`, `image`
    and `client_id` only where the message has them."""
    message_id, room, seq, nick, text, ts, edited_ts, mentions, image, client_id = row
    message = {"id": message_id, "room": room, "seq": seq, "nick": nick, "text": text, "ts": ts}
    if edited_ts is not None:
        message["edited_ts"] = edited_ts
    if mentions:
        message["mentions"] = mentions.split(" ")
    if image is not None:
        message["image"] = Shown.parsed(image).public()
    if client_id is not None:
        message["client_id"] = client_id
    return message


def stored_mentions(mentions):
    """Nicknames as the `mentions` column holds them: separated by spaces, or NULL for none."""
    return " ".join(mentions) or None


class HistoryStore(ABC):
    """The history of every room: all that the writer, the handlers and the pages ask of a
    database. Reads may come from any thread; writes come from one writer at a time."""

    # Whether the writer must call the store's `checkpoint` now and then (SQLite's WAL copy),
    # after steps of `merge_search_step` (SQLite's search index).
    needs_checkpoints = False
    # Whether every wait of the store (for the network, a lock, the disk) lets other green
    # threads run, so that any call may run on the event loop.
    cooperative = False
    # Whether a slow read (a search) holds the thread that runs it: it must then run in a
    # thread of its own, not on the event loop.
    slow_reads_block = False
    # The schema migrations applied when this store was opened, e.g. ["0002_seq_and_rooms"].
    upgraded: list[str]

    @abstractmethod
    def save_batch(self, drafts, wait=True):
        """Store drafts in one transaction and return a Saved for each, in order; a failure
        raises and stores none of them. With wait false, StoreBusy may come at once instead of
        a wait for another process's write."""

    @abstractmethod
    def commits_wait_for_disk(self):
        """Whether every commit waits for the disk to flush, not only checkpoints."""

    @abstractmethod
    def search(self, room, words, limit):
        """Up to `limit` messages of a room with every one of `words` (letters and digits, each
        the start of a word of the text), newest first."""

    @abstractmethod
    def schema_version(self):
        """The version of the newest schema migration applied to the database."""

    @abstractmethod
    def close(self):
        """Close the connections."""

    def _save_retrying(self, transaction, drafts, retried=()):
        """Save drafts in a transaction from `transaction()`, a context manager yielding a
        cursor, and return a Saved for each.

        Most batches hold no resend, so the first try inserts without looking for any. Where
        a resend turns up (Resent), or an error in `retried` comes, the batch is rolled back
        and tried again, looking first; on PostgreSQL another host may store a resend between
        the look and the insert, hence more than one more try.
        """
        look_first = False
        for _ in range(SAVE_ATTEMPTS - 1):
            try:
                with transaction() as cursor:
                    return self._save_in(cursor, drafts, look_first)
            except (Resent, *retried):
                look_first = True
        with transaction() as cursor:
            return self._save_in(cursor, drafts, look_first=True)

    def _save_in(self, cursor, drafts, look_first):
        """Store drafts within the open transaction of cursor: the steps every backend shares.
        Raises Resent, having stored nothing yet, if a draft was stored before."""
        keys = [draft.key for draft in drafts if draft.key]
        earlier = self._find_sent(cursor, keys) if look_first and keys else {}
        fresh = first_sends(drafts, earlier)
        if not fresh:
            return outcomes(drafts, earlier, [])
        last_seqs = self._count_in(cursor, room_totals(fresh))
        inserted = self._insert(cursor, numbered(fresh, last_seqs))
        return outcomes(drafts, earlier, inserted)

    @abstractmethod
    def _query(self, sql, parameters):
        """The rows of a read-only statement written with '?' placeholders, the SQL both
        backends share (the queries of nicknames.py, reading.py, conversations.py, edits.py)."""

    @abstractmethod
    def _query_apart(self, sql, parameters):
        """As `_query`, in any thread: where reads hold their thread, one that takes long."""

    @abstractmethod
    def _change(self, sql, parameters):
        """The rows a writing statement written with '?' placeholders returns (none without
        RETURNING), committed on its own; called by the writer only, like every write."""

    @abstractmethod
    def _find_sent(self, cursor, keys):
        """{key: message} for each (sender_key, client_id) already stored."""

    @abstractmethod
    def _count_in(self, cursor, totals):
        """Raise each room's last seq by its count, in the order given (so that transactions
        on several hosts lock rooms in one order), and return {room: new last seq}."""

    @abstractmethod
    def _insert(self, cursor, numbered_drafts):
        """Insert (draft, seq) pairs and return their messages, in the same order; raise
        Resent if one of them was stored before."""


def first_sends(drafts, earlier):
    """The drafts to insert: all but resends of a message stored before or earlier in the
    batch."""
    seen = set(earlier)
    fresh = []
    for draft in drafts:
        if draft.key in seen:
            continue
        fresh.append(draft)
        if draft.key is not None:
            seen.add(draft.key)
    return fresh


def room_totals(fresh):
    """(room, count, newest ts) of each room among the drafts, by room name."""
    totals = {}
    for draft in fresh:
        count, newest = totals.get(draft.room, (0, draft.ts))
        totals[draft.room] = (count + 1, max(newest, draft.ts))
    return [(room, *totals[room]) for room in sorted(totals)]


def numbered(fresh, last_seqs):
    """Each draft with its seq: the room's new seqs, up to its new last seq, in batch order."""
    following = dict(last_seqs)
    pairs = []
    for draft in reversed(fresh):
        pairs.append((draft, following[draft.room]))
        following[draft.room] -= 1
    pairs.reverse()
    return pairs


def outcomes(drafts, earlier, inserted):
    """A Saved for each draft, in order: new, or a duplicate of the message stored first."""
    stored = dict(earlier)
    new_messages = iter(inserted)
    results = []
    for draft in drafts:
        if draft.key is not None and draft.key in stored:
            results.append(Saved(stored[draft.key], duplicate=True))
            continue
        message = next(new_messages)
        if draft.key is not None:
            stored[draft.key] = message
        results.append(Saved(message, duplicate=False))
    return results
