"""Forms of the clerks' screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Staff login."""

    username = StringField(
        _l("Gebruikersnaam"),
        validators=[DataRequired(message=_l("Vul uw gebruikersnaam in.")), Length(max=100)],
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(message=_l("Vul uw wachtwoord in.")), Length(max=200)],
    )
