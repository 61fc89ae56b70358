"""The `image` of a `chat message` or `direct message`: a picture its sender uploaded over HTTP
(chat/web/pictures.py), stored with the message and shown with it, live, in history and in
catch-up (with its sizes and addresses)."""

from ..core import images
from ..services import services
from .payloads import BadPayload, optional


def announced(data, holder):
    """The picture a message's `image` names (a store.pictures.Shown), or None without one;
    holder must have uploaded it."""
    name = optional(data, "image", str)
    if name is None:
        return None
    if not images.NAME.fullmatch(name):
        raise BadPayload("Field 'image' must be the name an upload of a picture answered with.")
    shown = services().pictures.uploaded(name, holder)
    if shown is None:
        raise BadPayload("That picture is not one you uploaded: upload it first, then send it.")
    return shown
