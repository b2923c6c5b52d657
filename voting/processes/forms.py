"""Forms of the process screens: the process itself, adding a stage, the ideas window."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from voting.admin.setup_forms import LEFTOVER_CHOICES


class ProcessForm(FlaskForm):
    """The texts of a process and how many ideas one letter code may send."""

    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Korte naam voor het webadres"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Alleen kleine letters, cijfers en -.")),
        ],
    )
    description = TextAreaField(_l("Uitleg voor bewoners"), validators=[Length(max=5000)])
    title_en = StringField(_l("Titel in het Engels (mag leeg)"), validators=[Length(max=200)])
    description_en = TextAreaField(
        _l("Uitleg in het Engels (mag leeg)"), validators=[Length(max=5000)]
    )
    ideas_per_code = IntegerField(
        _l("Hoeveel ideeën mag één bewoner indienen?"),
        default=3,
        validators=[NumberRange(min=0, max=20)],
    )


class AddStageForm(FlaskForm):
    """Add an existing election that has not started as the next stage."""

    election_id = SelectField(_l("Verkiezing"), coerce=int, validators=[DataRequired()])


class IdeasWindowForm(FlaskForm):
    """Whether a buurtbudget stage takes residents' ideas, and when."""

    takes_ideas = BooleanField(_l("Bewoners dienen ideeën in met hun brief"))
    opens_at = DateTimeLocalField(
        _l("Ideeën indienen kan vanaf"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Ideeën indienen kan tot"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )


class ThemeSplitForm(FlaskForm):
    """Where a buurtbudget stage takes its budget per theme from: the outcome of an
    earlier split stage (its stage id) or nowhere (""); the view sets the choices."""

    source = RadioField(_l("Budget per thema"), choices=[], default="")
    leftover = RadioField(
        _l("Geld dat een thema over houdt"), choices=LEFTOVER_CHOICES, default="unspent"
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""
