"""The nickname and room form shown on the front page."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import ValidationError

from ..core import names, passphrases

IN_USE = "That nickname is in use by someone connected right now."
RESERVED = "That nickname is reserved to someone else."
RECLAIM = "If it is yours, enter its passphrase to reclaim it here."


class JoinForm(FlaskForm):
    """Pick a nickname and a room. The nickname must be neither held by another connected user
    nor reserved to someone else, unless the passphrase entered reclaims it."""

    nickname = StringField("Nickname", render_kw={"autocomplete": "nickname", "maxlength": 32})
    room = StringField("Room", default="lobby", render_kw={"list": "rooms", "maxlength": 40})
    passphrase = PasswordField(
        "Passphrase",
        render_kw={"autocomplete": "current-password", "maxlength": passphrases.MAX_LENGTH},
    )
    submit = SubmitField("Enter chat")

    def __init__(self, nickname_holder, identities, owner, **kwargs):
        super().__init__(**kwargs)
        self.nickname_holder = nickname_holder
        self.identities = identities
        self.owner = owner
        # The reservation a valid submit asks to reclaim with its passphrase, if any.
        self.reclaiming = None

    def validate_nickname(self, field):
        """Normalise the nickname; refuse one that is invalid, connected for someone else, or
        reserved to someone else, unless a passphrase is given to reclaim it (also once its
        reservation lapsed: its holder keeps their direct messages)."""
        field.data = _checked(names.nickname, field.data)
        theirs = self.identities.someone_elses(field.data, self.owner)
        reserved = theirs is not None and not self.identities.lapsed(theirs)
        reclaimable = theirs is not None and theirs.passphrase is not None
        if self.passphrase.data and (reserved or reclaimable):
            self.reclaiming = theirs
            return
        holder = self.nickname_holder(field.data)
        if holder is not None and holder != self.owner:
            raise ValidationError(f"{IN_USE} {RECLAIM}" if reclaimable else IN_USE)
        if reserved:
            raise ValidationError(f"{RESERVED} {RECLAIM}" if reclaimable else RESERVED)

    def validate_room(self, field):
        """Normalise the room name and refuse an invalid one."""
        field.data = _checked(names.room, field.data)


def _checked(check, value):
    """Run a names check, turning its complaint into a form validation error."""
    try:
        return check(value or "")
    except names.InvalidName as error:
        raise ValidationError(str(error)) from None
