"""Searching history: the newest messages of a joined room, or of one's own conversation with
someone, holding every word asked for (full-text, on either database: chat/core/store/)."""

import functools

from ..core import ratelimit
from ..services import services
from . import payloads, people
from .acks import acknowledged
from .direct import place, shown
from .events import rate_limited

# The most messages a search answers with.
SEARCH_LIMIT = 50


@acknowledged
@rate_limited(ratelimit.HEAVY_READ)
def search(data):
    """Ack with up to SEARCH_LIMIT messages of a joined room (or a conversation `with`
    someone), newest first, holding each word of `q` as the start of a word."""
    words = payloads.search_words(data)
    where = place(data)
    chat = services()
    search_room = functools.partial(chat.store.search, where.room, words, SEARCH_LIMIT)
    messages = chat.run_blocking(search_room) if chat.store.slow_reads_block else search_room()
    if where.partner_nick is not None:
        me = people.me()
        messages = [shown(message, me, where.partner_nick) for message in messages]
    return {"ok": True, **where.named, "messages": messages}


HANDLERS = {"search": search}
