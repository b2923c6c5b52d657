"""Forms of the follow-up pages: the clerk's decision, progress, milestone, CSV import
and retention forms, and the public subscribe form."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from voting.follow_up.labels import BODY_LABELS, OUTCOME_LABELS, STATUS_LABELS
from voting.follow_up.progress_csv import euros_to_cents
from voting.formatting import town_hall_today


def not_in_future(_form: FlaskForm, field: DateField) -> None:
    """A decision or a step is recorded after it happened, not before."""
    if field.data and field.data > town_hall_today():
        raise ValidationError(_l("Deze datum ligt in de toekomst."))


def web_address(_form: FlaskForm, field: StringField) -> None:
    """Only http(s) links with a host: no javascript:, data: or file: links."""
    value = (field.data or "").strip()
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ValidationError(_l("Vul een webadres in dat begint met https:// (of http://)."))


def euro_amount(_form: FlaskForm, field: StringField) -> None:
    """An amount in euros with at most two decimals."""
    try:
        euros_to_cents(field.data or "")
    except ValueError:
        raise ValidationError(
            _l("Vul een bedrag in euro's in, bijvoorbeeld 1250 of 1.250,50.")
        ) from None


class DecisionForm(FlaskForm):
    """A new decision of the council or the college (never an edit of an old one)."""

    decided_on = DateField(
        _l("Datum van het besluit"),
        validators=[InputRequired(message=_l("Vul de datum in.")), not_in_future],
    )
    body = RadioField(
        _l("Wie besloot?"),
        choices=[SelectChoice(code, text) for code, text in BODY_LABELS.items()],
        validators=[InputRequired(message=_l("Kies wie besloot."))],
    )
    outcome = SelectField(
        _l("Besluit"), choices=[SelectChoice(code, text) for code, text in OUTCOME_LABELS.items()]
    )
    explanation = TextAreaField(
        _l("Uitleg in gewone taal (B1)"),
        validators=[
            DataRequired(message=_l("Leg in een paar zinnen uit wat er besloten is en waarom.")),
            Length(max=4000),
        ],
    )
    source_url = StringField(
        _l("Link naar de besluitenlijst of het raadsbesluit"),
        validators=[Optional(), Length(max=500), web_address],
    )


class ProgressForm(FlaskForm):
    """The state of one project on a day."""

    updated_on = DateField(
        _l("Datum"), validators=[InputRequired(message=_l("Vul de datum in.")), not_in_future]
    )
    status = SelectField(
        _l("Status"), choices=[SelectChoice(code, text) for code, text in STATUS_LABELS.items()]
    )
    progress_percent = IntegerField(
        _l("Voortgang in procent"),
        validators=[
            InputRequired(message=_l("Vul een getal van 0 tot en met 100 in.")),
            NumberRange(min=0, max=100, message=_l("Vul een getal van 0 tot en met 100 in.")),
        ],
    )
    spent = StringField(_l("Uitgegeven (euro)"), validators=[DataRequired(), euro_amount])
    granted = StringField(_l("Toegekend (euro)"), validators=[DataRequired(), euro_amount])
    reason = TextAreaField(_l("Reden (nodig als het project gestopt is)"), [Length(max=2000)])

    def validate_reason(self, field: TextAreaField) -> None:
        """A stopped project always says why."""
        if self.status.data == "stopped" and not (field.data or "").strip():
            raise ValidationError(_l("Schrijf op waarom het project gestopt is."))


class MilestoneForm(FlaskForm):
    """A dated step with an optional photo or document."""

    happened_on = DateField(
        _l("Datum"), validators=[InputRequired(message=_l("Vul de datum in.")), not_in_future]
    )
    text = TextAreaField(
        _l("Wat is er gebeurd?"),
        validators=[DataRequired(message=_l("Schrijf kort wat er gebeurd is.")), Length(max=2000)],
    )
    upload = FileField(_l("Foto (JPEG of PNG) of document (PDF), niet verplicht"))
    attachment_alt = StringField(
        _l("Wat is er op de foto te zien? (voor wie de foto niet kan zien)"),
        validators=[Length(max=300)],
    )


class ImportForm(FlaskForm):
    """A CSV file with many project updates at once."""

    upload = FileField(_l("CSV-bestand"))


class RetentionForm(FlaskForm):
    """The clerk confirms deleting what finished processes no longer need."""

    confirm = BooleanField(
        _l("Ik heb de lijst gecontroleerd. Verwijder deze gegevens definitief."),
        validators=[DataRequired(message=_l("Vink aan dat u de lijst heeft gecontroleerd."))],
    )


class SubscribeForm(FlaskForm):
    """Anyone asks for news by e-mail."""

    address = EmailField(
        _l("Uw e-mailadres"),
        validators=[
            DataRequired(message=_l("Vul uw e-mailadres in.")),
            Length(max=254, message=_l("Dit e-mailadres is te lang.")),
        ],
    )
