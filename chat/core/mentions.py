"""Mentions: `@nick` in a room message names someone it is meant for, so that their page can
highlight it and notify them.

A mention is matched by comparison key (chat/core/names.py), so `@ALICE` or `@аlice` (a
Cyrillic a) mention alice; it names someone online under that nickname, or else the holder
of a reserved one, as that person spells it. A text is read for at most MAX_MENTIONS of them,
each looked up once by its key: the cost does not grow with the size of the room.
"""

import re

from . import names

MAX_MENTIONS = 10
# '@' and a nickname's characters, not inside a word or an address (bob@example.org).
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]+)")


def mentioned(text, nick_of):
    """The nicknames a text mentions, in order, each once; `nick_of(key)` gives the nickname
    someone holds under a comparison key, as they spell it, or None."""
    found = []
    for spellings in _keys(text):
        nick = _first(spellings, nick_of)
        if nick is not None and nick not in found:
            found.append(nick)
    return tuple(found)


def _keys(text):
    """For each distinct '@' mention (up to MAX_MENTIONS), the comparison keys it may mean:
    as written, then without the '.' or '-' that would end a sentence."""
    candidates = []
    for token in _MENTION.findall(text):
        spellings = [token] if token == token.rstrip(".-") else [token, token.rstrip(".-")]
        keys = [names.comparison_key(s) for s in spellings if 0 < len(s) <= names.NICKNAME_MAX]
        if keys and keys not in candidates:
            candidates.append(keys)
        if len(candidates) == MAX_MENTIONS:
            break
    return candidates


def _first(keys, find):
    """The first of find(key) over keys that is not None."""
    for key in keys:
        found = find(key)
        if found is not None:
            return found
    return None
