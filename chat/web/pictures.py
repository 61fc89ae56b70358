"""Pictures over HTTP: the upload (a POST of the file's bytes, by the page with its session's
CSRF token, or by a programmatic client with its nickname and key), and each picture and its
thumbnail served by the name its bytes give it, from the database, on any host.

An upload is only stored: a `chat message` or `direct message` with its `image` then shows it
(chat/realtime/pictures.py).
"""

import math

from flask import Blueprint, jsonify, request, session
from flask_wtf.csrf import CSRFError

from ..core import images, names
from ..core.pictures import TooManyUploads, UploadIncomplete
from ..core.store import HistoryUnavailable
from ..core.store.pictures import PATH
from ..core.writer import StoreUnavailable
from ..extensions import csrf
from ..realtime import people
from ..services import services

bp = Blueprint("pictures", __name__, url_prefix=PATH)

UPLOAD_PATH = PATH
# A programmatic client's identity: the nickname reserved to its key, as its socket's auth.
NICK_HEADER = "X-Chat-Nick"
KEY_HEADER = "X-Chat-Key"
# A picture never changes under its name.
CACHED = "public, max-age=31536000, immutable"
# A picture opened on its own is shown, never run: no script, no plug-in, no form, no frame.
PICTURE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
NO_SUCH_PICTURE = "There is no such picture."
UNAVAILABLE = "Pictures cannot be reached right now; try again in a moment."
# Bodies that Flask would parse as a form, reading them whole: an upload is the file's bytes.
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class Refused(Exception):
    """An upload refused with an HTTP status; the message says why."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


@bp.route("", methods=("POST",))
@csrf.exempt
def upload():
    """Take one picture, the request's body; answer with its name, sizes and addresses."""
    try:
        _check_length()
        holder = _uploader()
        data = _body()
        shown = services().pictures.upload(data, holder)
    except Refused as refused:
        return _refusal(refused.status, str(refused))
    except images.ImageTooLarge as error:
        return _refusal(413, str(error))
    except images.NotAnImage as error:
        return _refusal(415, str(error))
    except images.ImageRefused as error:
        return _refusal(422, str(error))
    except TooManyUploads as error:
        return _refusal(429, str(error), {"Retry-After": str(math.ceil(error.retry_after))})
    except (StoreUnavailable, HistoryUnavailable):
        return _refusal(503, UNAVAILABLE)
    return jsonify({"ok": True, "image": shown.public()}), 201


def _uploader():
    """The holder uploading: by the client's nickname and key headers, else by the page's
    session, whose CSRF token must come in the X-CSRFToken header."""
    if KEY_HEADER in request.headers:
        return _holder(*_client_identity())
    if not session.get("nick"):
        raise Refused(401, "Sign in on the form, or send your nickname and key.")
    try:
        csrf.protect()
    except CSRFError as error:
        raise Refused(403, f"{error.description} Reload the page and send again.") from None
    return _holder(session["nick"], session["owner"])


def _client_identity():
    """(nickname, owner) from a programmatic client's headers, checked as its connect is."""
    try:
        owner = people.key_owner(request.headers[KEY_HEADER])
        return names.nickname(request.headers.get(NICK_HEADER, "")), owner
    except (people.KeyRefused, names.InvalidName) as error:
        raise Refused(400, str(error)) from None


def _holder(nick, owner):
    """The holder of nick, which must be reserved to owner."""
    holder = services().identities.holder_for(nick, owner)
    if holder is None:
        raise Refused(
            403, f"Nickname '{nick}' is not reserved to you: connect with it first, then upload."
        )
    return holder


def _check_length():
    """Refuse, unread, a body that is a form, has no length, or is above the size limit."""
    max_bytes = services().pictures.max_bytes
    if request.mimetype in FORMS:
        raise Refused(415, "Send the file itself as the body, with the image's Content-Type.")
    if request.content_length is None:
        raise Refused(411, "Send the file's length (Content-Length).")
    if request.content_length > max_bytes:
        raise Refused(413, images.too_many_bytes(max_bytes))


def _body():
    """The request's bytes (their length checked), read in bounded time."""
    pictures = services().pictures
    try:
        return pictures.received(request.stream.read, request.content_length)
    except UploadIncomplete as error:
        raise Refused(408, str(error)) from None


def _refusal(status, reason, headers=None):
    """The JSON answer of an upload not taken."""
    return jsonify({"ok": False, "error": reason}), status, headers or {}


@bp.route("/<name>")
def picture(name):
    """Serve a picture, full size."""
    return _served(name, thumbnail=False)


@bp.route("/<name>/thumbnail")
def thumbnail(name):
    """Serve a picture's thumbnail."""
    return _served(name, thumbnail=True)


def _served(name, thumbnail):
    """A picture's bytes with its type, cached for good under its name; 404 when unknown."""
    if not images.NAME.fullmatch(name):
        return _refusal(404, NO_SUCH_PICTURE)
    etag = f"{name}-thumbnail" if thumbnail else name
    if request.if_none_match.contains(etag):
        return "", 304, _served_headers(etag)
    try:
        found = services().pictures.served(name, thumbnail)
    except HistoryUnavailable:
        return _refusal(503, UNAVAILABLE)
    if found is None:
        return _refusal(404, NO_SUCH_PICTURE)
    return found.data, 200, {"Content-Type": found.content_type, **_served_headers(etag)}


def _served_headers(etag):
    """The headers of a picture's answer, the bytes aside."""
    return {
        "ETag": f'"{etag}"',
        "Cache-Control": CACHED,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": PICTURE_POLICY,
        "Cross-Origin-Resource-Policy": "same-origin",
    }
