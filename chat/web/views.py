"""The pages: the nickname/room form and the chat page."""

import functools
import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from markupsafe import Markup

from ..core import names
from ..core.identities import ReclaimRefused
from ..realtime import events
from ..services import services
from .forms import JoinForm

bp = Blueprint("chat", __name__)

ROOM_CHOICES = 30


@bp.route("/", methods=("GET", "POST"))
def index():
    """Show the form; on a valid submit remember nickname and room and open the chat, after
    reclaiming the nickname when its passphrase was given for that."""
    # The browser's owner outlives the browser's session: a nickname stays reserved to it.
    session.permanent = True
    owner = session.setdefault("owner", secrets.token_urlsafe(16))
    chat = services()
    form = JoinForm(chat.presence.holder, chat.identities, owner, nickname=session.get("nick"))
    if form.validate_on_submit() and _reclaimed_if_asked(form, owner):
        session["nick"] = form.nickname.data
        session["room"] = form.room.data
        return redirect(url_for("chat.room"))
    return render_template("index.html", form=form, room_choices=rendered_rooms(room_choices()))


def _reclaimed_if_asked(form, owner):
    """Reclaim the nickname the form asks to, moving its reservation to this browser and
    dropping the sockets its former owner still has; False, with the reason shown beside the
    passphrase, when that fails."""
    if form.reclaiming is None:
        return True
    chat, nick = services(), form.nickname.data
    try:
        chat.identities.reclaim(nick, owner, form.passphrase.data, request.remote_addr)
    except ReclaimRefused as refused:
        form.passphrase.errors.append(str(refused))
        return False
    chat.reclaims.reclaimed(nick, owner)
    return True


@bp.route("/chat")
def room():
    """The chat page for the room chosen on the form."""
    if not session.get("nick"):
        flash("Choose a nickname and a room first.")
        return redirect(url_for("chat.index"))
    return render_template(
        "chat.html", nick=session["nick"], room=session["room"], text_max=names.TEXT_MAX
    )


@bp.route("/leave", methods=("POST",))
def leave():
    """Forget the nickname so the form asks again, closing this browser's chat sockets first
    (so the form counts the rooms without it); with `release`, give up its reservation too, so
    that anyone may take it now."""
    nick = session.pop("nick", None)
    if not nick:
        return redirect(url_for("chat.index"))
    events.sign_out(nick, session["owner"])
    if request.form.get("release"):
        if services().identities.release(nick, session["owner"]):
            flash(f"Nickname '{nick}' is released: anyone may take it now.")
    else:
        days = services().config["NICKNAME_RESERVATION_DAYS"]
        flash(f"Nickname '{nick}' stays reserved to this browser for {days} days.")
    return redirect(url_for("chat.index"))


# Anyone may reload the form page in a loop, and with thirty rooms listed their HTML took
# about a third of the page's time; it changes only when a room or a count does.
@functools.lru_cache(maxsize=16)
def rendered_rooms(rooms):
    """The form's room suggestions and list as HTML, kept for the next page showing the same
    rooms and counts."""
    return Markup(render_template("_room_choices.html", rooms=rooms))


def room_choices():
    """Occupied rooms, then rooms with history: (name, members online) pairs for the form."""
    chat = services()
    occupied = [
        (room["name"], room["members"]) for room in chat.presence.listing()["rooms"][:ROOM_CHOICES]
    ]
    names = {name for name, _ in occupied}
    quiet = [(name, 0) for name in chat.store.room_names(ROOM_CHOICES) if name not in names]
    return tuple((occupied + quiet)[:ROOM_CHOICES])
