"""The pages: the nickname/room form and the chat page."""

import secrets

from flask import Blueprint, flash, redirect, render_template, session, url_for

from ..core import names
from ..realtime import events
from ..services import services
from .forms import JoinForm

bp = Blueprint("chat", __name__)

ROOM_CHOICES = 30


@bp.route("/", methods=("GET", "POST"))
def index():
    """Show the form; on a valid submit remember nickname and room and open the chat."""
    owner = session.setdefault("owner", secrets.token_urlsafe(16))
    form = JoinForm(services().presence.holder, owner, nickname=session.get("nick"))
    if form.validate_on_submit():
        session["nick"] = form.nickname.data
        session["room"] = form.room.data
        return redirect(url_for("chat.room"))
    return render_template("index.html", form=form, rooms=room_choices())


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
    """Forget the nickname so the form asks again, and close this browser's chat sockets first,
    so the form counts the rooms without it."""
    nick = session.pop("nick", None)
    if nick:
        events.sign_out(nick, session["owner"])
    return redirect(url_for("chat.index"))


def room_choices():
    """Occupied rooms with their member counts, then rooms with history, for the room field."""
    chat = services()
    occupied = chat.presence.listing()["rooms"][:ROOM_CHOICES]
    names = {room["name"] for room in occupied}
    quiet = [
        {"name": name, "members": 0}
        for name in chat.store.room_names(ROOM_CHOICES)
        if name not in names
    ]
    return (occupied + quiet)[:ROOM_CHOICES]
