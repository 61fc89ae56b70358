"""The queries both backends share, written once in the SQL both dialects take: one class for
each backend to inherit, so that a new kind of query is added in one place."""

from .conversations import ConversationQueries
from .edits import EditQueries
from .messages import MessageQueries
from .nicknames import NicknameQueries
from .pictures import PictureQueries
from .reading import ReadingQueries


class SharedQueries(
    MessageQueries,
    NicknameQueries,
    ReadingQueries,
    ConversationQueries,
    EditQueries,
    PictureQueries,
):
    """Every query module's mixin; a backend supplies `_query`, `_query_apart` and `_change`."""
