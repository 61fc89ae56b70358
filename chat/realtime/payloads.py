"""Checking event payloads at the edge, so handlers only ever see well-formed values."""

import re

from ..core import names, passphrases

# The largest id or seq a database stores (a signed 64-bit integer).
MESSAGE_ID_MAX = 2**63 - 1
# A search: its text, the words in it, and the length of each.
SEARCH_MAX = 200
SEARCH_WORDS_MAX = 8
SEARCH_WORD_MAX = 64
# A searched word: letters and digits, as the search indexes cut text into words.
_SEARCH_WORD = re.compile(r"[^\W_]+")


class BadPayload(ValueError):
    """A payload the server will not act on; the message is sent back to the sender."""


def as_object(data):
    """The payload as a dict, or BadPayload when it is anything else."""
    if not isinstance(data, dict):
        raise BadPayload("Payload must be an object.")
    return data


def required(data, field, kind):
    """A required field of the given type."""
    value = as_object(data).get(field)
    if value is None:
        raise BadPayload(f"Missing field '{field}'.")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadPayload(f"Field '{field}' must be {_kind_name(kind)}.")
    return value


def optional(data, field, kind, default=None):
    """An optional field of the given type, or default when absent."""
    if as_object(data).get(field) is None:
        return default
    return required(data, field, kind)


def room(data):
    """The valid room name in a payload's `room` field."""
    try:
        return names.room(required(data, "room", str))
    except names.InvalidName as error:
        raise BadPayload(str(error)) from None


def text(data, may_be_empty=False):
    """The message text: at most TEXT_MAX characters, and non-blank unless it may be empty
    (beside a picture), when it may also be left out."""
    value = optional(data, "text", str, "") if may_be_empty else required(data, "text", str)
    if not (value.strip() or may_be_empty):
        raise BadPayload("Message text is empty.")
    if len(value) > names.TEXT_MAX:
        raise BadPayload(f"Message text is longer than {names.TEXT_MAX} characters.")
    if not _encodable(value):
        raise BadPayload("Message text is not valid Unicode (it has a lone surrogate).")
    if "\x00" in value:
        raise BadPayload("Message text contains a NUL character, which history cannot store.")
    return value


def nickname(data, field):
    """The valid nickname in a payload's `field`."""
    try:
        return names.nickname(required(data, field, str))
    except names.InvalidName as error:
        raise BadPayload(str(error)) from None


def place(data):
    """Where an event is about: ("room", a valid room name) or ("with", the nickname of the
    other party to a direct conversation); exactly one of the two fields."""
    given = [field for field in ("room", "with") if as_object(data).get(field) is not None]
    if len(given) != 1:
        raise BadPayload("Give 'room' (a room you joined) or 'with' (a nickname), not both.")
    return ("room", room(data)) if given == ["room"] else ("with", nickname(data, "with"))


def message_ref(data):
    """The id of a stored message, in a payload's `id` field."""
    value = required(data, "id", int)
    if not 1 <= value <= MESSAGE_ID_MAX:
        raise BadPayload(f"Field 'id' must be between 1 and {MESSAGE_ID_MAX}.")
    return value


def read_seq(data):
    """The seq read up to, in a payload's `seq` field."""
    value = required(data, "seq", int)
    if not 0 <= value <= MESSAGE_ID_MAX:
        raise BadPayload(f"Field 'seq' must be between 0 and {MESSAGE_ID_MAX}.")
    return value


def passphrase(data):
    """A passphrase to reclaim a nickname with: MIN_LENGTH to MAX_LENGTH characters."""
    value = required(data, "passphrase", str)
    minimum, maximum = passphrases.MIN_LENGTH, passphrases.MAX_LENGTH
    if not minimum <= len(value) <= maximum:
        raise BadPayload(f"A passphrase must be {minimum} to {maximum} characters long.")
    if not _encodable(value) or "\x00" in value:
        raise BadPayload("A passphrase must be valid Unicode text without NUL characters.")
    return value


def search_words(data):
    """The words of a search's `q`: letters and digits, each matched as the start of a word."""
    text = required(data, "q", str)
    if len(text) > SEARCH_MAX:
        raise BadPayload(f"Search text must be at most {SEARCH_MAX} characters.")
    words = [word.lower() for word in _SEARCH_WORD.findall(text)]
    if not words:
        raise BadPayload("Search for at least one word of letters or digits.")
    if len(words) > SEARCH_WORDS_MAX:
        raise BadPayload(f"Search for at most {SEARCH_WORDS_MAX} words at once.")
    if any(len(word) > SEARCH_WORD_MAX for word in words):
        raise BadPayload(f"A searched word must be at most {SEARCH_WORD_MAX} characters.")
    return words


def search_text(data):
    """The text searched for in a payload's `q` field, compared as room names are."""
    value = optional(data, "q", str, "")
    if len(value) > names.ROOM_MAX:
        raise BadPayload(f"Search text must be at most {names.ROOM_MAX} characters.")
    return " ".join(names.normalise(value).casefold().split())


def nickname_after(data):
    """The optional nickname a page of a member list starts after (the last one shown)."""
    value = optional(data, "after", str)
    if value is not None and not (0 < len(value) <= names.NICKNAME_MAX and value.isprintable()):
        raise BadPayload(f"Field 'after' must be a nickname of 1-{names.NICKNAME_MAX} characters.")
    return value


def message_id(data, field):
    """An optional non-negative message id or seq, e.g. the last one a client has seen."""
    value = optional(data, field, int)
    if value is not None and not 0 <= value <= MESSAGE_ID_MAX:
        raise BadPayload(f"Field '{field}' must be between 0 and {MESSAGE_ID_MAX}.")
    return value


def resume_point(data):
    """Where a catch-up starts: ("after_seq", n) or ("after", n) (a last-seen id), or None
    when the payload names neither."""
    points = [(field, message_id(data, field)) for field in ("after_seq", "after")]
    given = [(field, value) for field, value in points if value is not None]
    if len(given) > 1:
        raise BadPayload("Give 'after_seq' or 'after', not both.")
    return given[0] if given else None


def client_id(data):
    """The sender's optional idempotency key for a message: short printable text."""
    value = optional(data, "client_id", str)
    if value is not None and not (0 < len(value) <= 64 and value.isprintable()):
        raise BadPayload("Field 'client_id' must be 1-64 printable characters.")
    return value


def _encodable(value):
    """Whether text can be stored as UTF-8: JSON can carry lone surrogates, SQLite cannot."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind_name(kind):
    """How a type is named in an error message."""
    return {str: "text", int: "a whole number", bool: "true or false", dict: "an object"}.get(
        kind, kind.__name__
    )
