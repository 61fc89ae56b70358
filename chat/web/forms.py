"""The nickname and room form shown on the front page."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import ValidationError

from ..core import names


class JoinForm(FlaskForm):
    """Pick a nickname and a room; the nickname must not be held by another connected user."""

    nickname = StringField("Nickname", render_kw={"autocomplete": "nickname", "maxlength": 32})
    room = StringField("Room", default="lobby", render_kw={"list": "rooms", "maxlength": 40})
    submit = SubmitField("Enter chat")

    def __init__(self, nickname_holder, owner, **kwargs):
        super().__init__(**kwargs)
        self.nickname_holder = nickname_holder
        self.owner = owner

    def validate_nickname(self, field):
        """Normalise the nickname and refuse one that is invalid or taken by someone else."""
        field.data = _checked(names.nickname, field.data)
        holder = self.nickname_holder(field.data)
        if holder is not None and holder != self.owner:
            raise ValidationError("That nickname is in use by someone connected right now.")

    def validate_room(self, field):
        """Normalise the room name and refuse an invalid one."""
        field.data = _checked(names.room, field.data)


def _checked(check, value):
    """Run a names check, turning its complaint into a form validation error."""
    try:
        return check(value or "")
    except names.InvalidName as error:
        raise ValidationError(str(error)) from None
