"""Normalising and validating nicknames and room names, shared by the form and the socket."""

import re
import unicodedata

NICKNAME_MAX = 32
ROOM_MAX = 40
TEXT_MAX = 2000

_NICKNAME_PATTERN = re.compile(r"[\w.\-]+")
_ROOM_PATTERN = re.compile(r"[\w.\- ]+")


class InvalidName(ValueError):
    """A nickname or room name that cannot be used; the message says why."""


def normalise(value):
    """NFKC-normalise and trim a name so look-alike spellings become one."""
    return unicodedata.normalize("NFKC", value).strip()


def comparison_key(name):
    """The case-folded form two names are compared by."""
    return normalise(name).casefold()


def _checked(value, label, maximum, pattern, allowed):
    """Return the normalised value or raise InvalidName with a reason a person can act on."""
    if not isinstance(value, str):
        raise InvalidName(f"{label} must be text.")
    name = normalise(value)
    if not name:
        raise InvalidName(f"{label} is required.")
    if len(name) > maximum:
        raise InvalidName(f"{label} must be at most {maximum} characters.")
    if not pattern.fullmatch(name):
        raise InvalidName(f"{label} may only contain {allowed}.")
    return name


def nickname(value):
    """A valid nickname: letters, digits, '.', '_' or '-', at most 32 characters."""
    return _checked(
        value, "Nickname", NICKNAME_MAX, _NICKNAME_PATTERN, "letters, digits, '.', '_' and '-'"
    )


def room(value):
    """A valid room name, lower-cased like a channel name so "Lobby" and "lobby" are one room."""
    name = _checked(
        value, "Room", ROOM_MAX, _ROOM_PATTERN, "letters, digits, spaces, '.', '_' and '-'"
    )
    return " ".join(name.casefold().split())
