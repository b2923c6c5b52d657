"""Forms for setting up an election and its options."""

from __future__ import annotations

from typing import Any

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
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from voting.error_words import explain
from voting.labels import BALLOT_TYPE_LABELS, rule_label
from voting.models import RULES
from voting.money_field import EuroField
from voting.request_guard import INT_COLUMN_MAX, TOO_LARGE
from voting.roll_import import RegisterError, parse_postcode_filter

# What happens to money a theme leaves: here and on the process page (voting.processes).
LEFTOVER_CHOICES = [
    SelectChoice("unspent", _l("blijft over")),
    SelectChoice("pooled", _l("gaat samen naar de andere voorstellen, met dezelfde telregel")),
]

# The ballot types a clerk can choose: those the vote pages can show. (Split and points
# ballots are known to the library and the record before their pages exist.)
OFFERED_BALLOT_TYPES = ("ranked", "single", "approval", "budget", "distribution", "points")


def readable_postcode_filter(_form: Any, field: Any) -> None:
    """WTForms validator: the postcode filter as the register import will read it, so a
    filter it cannot read is refused at setup instead of when the roll is checked."""
    try:
        parse_postcode_filter(field.data or "")
    except RegisterError as error:
        raise ValidationError(explain(error)) from None


class ElectionForm(FlaskForm):
    """Everything fixed before voting opens."""

    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Korte naam voor het webadres"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Alleen kleine letters, cijfers en -.")),
        ],
    )
    question = TextAreaField(_l("Vraag op het stembiljet"), validators=[Length(max=2000)])
    description = TextAreaField(_l("Uitleg voor inwoners"), validators=[Length(max=10000)])
    # Optional: shown on English pages; the Dutch texts stay the official ones.
    title_en = StringField(_l("Titel in het Engels"), validators=[Length(max=200)])
    question_en = TextAreaField(_l("Vraag in het Engels"), validators=[Length(max=2000)])
    description_en = TextAreaField(
        _l("Uitleg voor inwoners in het Engels"), validators=[Length(max=10000)]
    )
    kind = RadioField(
        _l("Soort"),
        choices=[
            SelectChoice("referendum", _l("Referendum")),
            SelectChoice("budget", _l("Buurtbudget")),
        ],
        default="referendum",
    )
    ballot_type = SelectField(
        _l("Stembiljet"),
        choices=[
            SelectChoice(code, text)
            for code, text in BALLOT_TYPE_LABELS.items()
            if code in OFFERED_BALLOT_TYPES
        ],
    )
    rule = SelectField(_l("Telregel"), choices=[SelectChoice(r, rule_label(r)) for r in RULES])
    seats = IntegerField(_l("Aantal winnaars"), default=1, validators=[NumberRange(min=1, max=50)])
    budget = EuroField(_l("Budget in hele euro's"), validators=[Optional()], minimum=1)
    split_unit = RadioField(
        _l("Wat wordt verdeeld (bij een verdeling)"),
        choices=[
            SelectChoice("points", _l("Punten (bijvoorbeeld 100)")),
            SelectChoice("euro", _l("Euro's (het budget)")),
        ],
        default="points",
    )
    max_points = IntegerField(
        _l("Punten per inwoner (bij punten verdelen)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    min_spend_percent = IntegerField(
        _l("Een stem besteedt minstens dit percentage van het budget"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    # Choices are the certified splits, set by the view; checked there too.
    theme_split_id = SelectField(
        _l("Budget per thema uit een vastgestelde verdeling"),
        choices=[],
        coerce=str,
        validate_choice=False,
    )
    theme_budgets = TextAreaField(
        _l("Of: budget per thema, één per regel (Thema: bedrag)"),
        validators=[Length(max=5000)],
    )
    leftover = RadioField(
        _l("Geld dat een thema over houdt"), choices=LEFTOVER_CHOICES, default="unspent"
    )
    min_choices = IntegerField(
        _l("Minimaal aantal keuzes"),
        validators=[Optional(), NumberRange(min=0, max=INT_COLUMN_MAX, message=TOO_LARGE)],
    )
    max_choices = IntegerField(
        _l("Maximaal aantal keuzes"),
        validators=[Optional(), NumberRange(min=1, max=INT_COLUMN_MAX, message=TOO_LARGE)],
    )
    allow_blank = BooleanField(_l("Blanco stemmen toestaan"))
    opens_at = DateTimeLocalField(
        _l("Stemmen kan vanaf"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Stemmen kan tot"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    turnout_threshold_percent = IntegerField(
        _l("Opkomstdrempel in procenten"), default=0, validators=[NumberRange(min=0, max=100)]
    )
    binding = BooleanField(_l("De uitslag is bindend"))
    min_age = IntegerField(
        _l("Minimumleeftijd op de eerste stemdag"), default=16, validators=[NumberRange(0, 120)]
    )
    postcode_filter = StringField(
        _l("Postcodes (bijv. 6921-6923, 5611AB; leeg = alle)"),
        validators=[Length(max=500), readable_postcode_filter],
    )
    neighbourhood_filter = StringField(
        _l("Buurten (met komma's; leeg = alle)"), validators=[Length(max=500)]
    )
    next_steps = TextAreaField(_l("Wat gebeurt er na de uitslag?"), validators=[Length(max=5000)])


class OptionForm(FlaskForm):
    """One option or proposal."""

    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=200)])
    summary = StringField(_l("Korte omschrijving"), validators=[Length(max=500)])
    description = TextAreaField(_l("Uitleg"), validators=[Length(max=10000)])
    title_en = StringField(_l("Titel in het Engels"), validators=[Length(max=200)])
    summary_en = StringField(_l("Korte omschrijving in het Engels"), validators=[Length(max=500)])
    description_en = TextAreaField(_l("Uitleg in het Engels"), validators=[Length(max=10000)])
    cost = EuroField(_l("Kosten in hele euro's"), default=0, validators=[Optional()])


class ReviewForm(FlaskForm):
    """The clerk's verdict on a proposal."""

    verdict = RadioField(
        _l("Besluit"),
        choices=[SelectChoice("accept", _l("Toelaten")), SelectChoice("reject", _l("Afwijzen"))],
        validators=[DataRequired()],
    )
    reason = TextAreaField(_l("Reden (verplicht bij afwijzen)"), validators=[Length(max=2000)])


def option_values(form: FlaskForm) -> dict[str, str | int]:
    """The option fields of ``form`` (an OptionForm or a ProposalForm) as keyword
    arguments for :func:`voting.elections.add_option` and ``update_option``."""
    values: dict[str, str | int] = {
        "title": form.title.data or "",  # type: ignore[attr-defined]
        "summary": form.summary.data or "",  # type: ignore[attr-defined]
        "description": form.description.data or "",  # type: ignore[attr-defined]
        "cost": form.cost.data or 0,  # type: ignore[attr-defined]
    }
    for name in ENGLISH_OPTION_FIELDS:  # the clerk's form has them, an organiser's not
        if name in form:
            values[name] = form[name].data or ""
    return values


ENGLISH_OPTION_FIELDS = ("title_en", "summary_en", "description_en")
