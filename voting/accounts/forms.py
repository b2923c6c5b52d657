"""Forms of the account pages (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from voting.passwords import MAX_LENGTH


class CodeForm(FlaskForm):
    """The second login step: a code from the app or a recovery code."""

    code = StringField(
        _l("Code uit de app of herstelcode"), validators=[DataRequired(), Length(max=40)]
    )


class EnrolForm(FlaskForm):
    """Confirm a new authenticator with its first code."""

    code = StringField(
        _l("Code van 6 cijfers uit de app"), validators=[DataRequired(), Length(max=20)]
    )


class NewPasswordForm(FlaskForm):
    """Choose a password through an invitation or reset link."""

    password = PasswordField(
        _l("Nieuw wachtwoord"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("De wachtwoorden verschillen.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    """Change one's own password."""

    current = PasswordField(
        _l("Huidig wachtwoord"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )


class ConfirmPasswordForm(FlaskForm):
    """An action on one's own second factor asks for the password again."""

    current = PasswordField(
        _l("Huidig wachtwoord"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )


class InviteForm(FlaskForm):
    """An admin invites a clerk, organiser or admin."""

    username = StringField(
        _l("Gebruikersnaam"),
        validators=[
            DataRequired(),
            Length(min=3, max=100),
            Regexp(
                r"^[a-zA-Z0-9._-]+$",
                message=_l("Alleen letters, cijfers, punt, streepje en liggend streepje."),
            ),
        ],
    )
    display_name = StringField(_l("Naam"), validators=[Length(max=200)])
    role = SelectField(
        _l("Rol"),
        choices=[
            SelectChoice("clerk", _l("Griffie (verkiezingen regelen)")),
            SelectChoice("organiser", _l("Indiener (voorstellen indienen)")),
            SelectChoice("admin", _l("Beheerder (ook accounts beheren)")),
        ],
        default="clerk",
    )


class SettingsForm(FlaskForm):
    """Account settings for everyone."""

    require_two_factor = BooleanField(
        _l("Tweestapsverificatie verplicht voor griffie en beheerders")
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""
