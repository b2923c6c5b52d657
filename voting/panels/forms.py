"""Forms of the panel screens: set-up, phase, draw, replacements, advice, and the
residents' sign-up (built per panel from its questions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from voting.admin.setup_forms import readable_postcode_filter
from voting.follow_up.forms import DecisionForm
from voting.formatting import format_day


class PanelForm(FlaskForm):
    """Everything fixed before the invitations go out."""

    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Korte naam voor het webadres"),
        validators=[
            DataRequired(),
            Length(max=60),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Alleen kleine letters, cijfers en -.")),
        ],
    )
    topic = TextAreaField(_l("Waarover adviseert het panel?"), validators=[Length(max=5000)])
    seats = IntegerField(_l("Aantal leden"), default=20, validators=[NumberRange(min=2, max=1000)])
    invitations = IntegerField(
        _l("Aantal uitnodigingen"), default=500, validators=[NumberRange(min=1, max=1_000_000)]
    )
    min_age = IntegerField(_l("Minimumleeftijd"), default=16, validators=[NumberRange(0, 120)])
    postcode_filter = StringField(
        _l("Postcodes (leeg: iedereen)"), validators=[Length(max=500), readable_postcode_filter]
    )
    neighbourhood_filter = StringField(_l("Wijken (leeg: iedereen)"), validators=[Length(max=500)])
    one_per_household = BooleanField(_l("Hooguit één uitnodiging per adres"), default=True)
    meeting_dates = TextAreaField(
        _l("Data van de bijeenkomsten (één per regel, JJJJ-MM-DD)"), validators=[Length(max=2000)]
    )
    categories = TextAreaField(
        _l("Vragen en quota"),
        validators=[DataRequired(), Length(max=10000)],
        render_kw={"rows": 6},
    )
    tolerance = DecimalField(
        _l("Speling bij percentages (plaatsen)"),
        default=1,
        places=1,
        validators=[NumberRange(0, 100)],
    )
    draw_seed = StringField(
        _l("Lotingsgetal voor de loting (leeg: de computer kiest het nu)"),
        description=_l(
            "Bijvoorbeeld getallen die de notaris in het openbaar trekt. Het getal is vanaf "
            "nu openbaar en ligt vast zodra de uitnodigingen verstuurd zijn: er wordt alleen "
            "mee geloot."
        ),
        validators=[Optional(), Length(max=100)],
    )
    ask_phone = BooleanField(_l("Vraag om een telefoonnummer (versleuteld bewaard)"))
    ask_email = BooleanField(_l("Vraag om een e-mailadres (versleuteld bewaard)"))

    def validate_meeting_dates(self, field: Any) -> None:
        """One ISO date per line."""
        for line in (field.data or "").split():
            try:
                date.fromisoformat(line.strip())
            except ValueError:
                raise ValidationError(_l("'%(d)s' is geen datum als 2026-03-14.", d=line)) from None


class ConfirmForm(FlaskForm):
    """A ticked confirmation for a step that cannot be undone."""

    confirm = BooleanField(
        _l("Ik weet dat deze stap niet terug kan"), validators=[DataRequired(_l("Vink dit aan."))]
    )


class RegisterForm(FlaskForm):
    """Upload the register (read in memory only)."""

    register = FileField(
        _l("Bestand uit de basisregistratie (CSV)"),
        validators=[FileRequired(_l("Kies een CSV-bestand."))],
    )


class DrawForm(ConfirmForm):
    """The draw, with the seed announced while the panel was a draft: the clerk types
    it again as a check; any other seed is refused."""

    seed = StringField(_l("Lotingsgetal"), validators=[DataRequired(), Length(max=100)])


class AdviceForm(FlaskForm):
    """The panel's recommendations and what the council did with them."""

    recommendations = TextAreaField(
        _l("Aanbevelingen (één per regel)"), validators=[Length(max=20000)], render_kw={"rows": 6}
    )


class PanelDecisionForm(DecisionForm):
    """A decision of the council or the college on the panel's advice, as a whole or
    on one recommendation (the choices are set per panel)."""

    recommendation = SelectField(_l("Over welk deel van het advies?"), coerce=int, choices=[])

    def set_recommendations(self, recommendations: list[str]) -> None:
        """Offer the whole advice (0) and each recommendation by its number."""
        self.recommendation.choices = [(0, _l("Het advies als geheel"))] + [
            (number, f"{number}. {text}") for number, text in enumerate(recommendations, 1)
        ]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (no JavaScript, one label each)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SignupBase(FlaskForm):
    """The fields every sign-up has; the panel's questions are added per panel."""

    code = StringField(
        _l("Uw aanmeldcode (staat in de brief)"),
        validators=[DataRequired(_l("Vul uw code in.")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    consent = BooleanField(
        _l(
            "Ik doe mee. De gemeente bewaart mijn antwoorden zonder mijn naam, gebruikt ze "
            "alleen voor deze loting en verwijdert ze na afloop."
        ),
        validators=[DataRequired(_l("Zonder uw toestemming kunnen we u niet aanmelden."))],
    )


def signup_form(panel: Any, **kwargs: Any) -> SignupBase:
    """The sign-up form of ``panel``: one radio question per category, the meeting
    dates as checkboxes, and phone/e-mail if the clerk turned them on."""

    class Form(SignupBase):
        pass

    for number, category in enumerate(panel.categories):
        choices = [SelectChoice(v["value"], v["value"]) for v in category["values"]]
        setattr(
            Form,
            f"q{number}",
            RadioField(
                category["name"],
                choices=choices,
                validators=[DataRequired(_l("Kies een antwoord."))],
            ),
        )
    if panel.meeting_dates:
        Form.available = MultiCheckboxField(
            _l("Op welke data kunt u?"),
            choices=[
                SelectChoice(d, format_day(date.fromisoformat(d))) for d in panel.meeting_dates
            ],
        )
    if panel.ask_phone:
        Form.phone = TelField(
            _l("Telefoonnummer (mag leeg)"), validators=[Optional(), Length(max=30)]
        )
    if panel.ask_email:
        Form.email = EmailField(
            _l("E-mailadres (mag leeg)"),
            validators=[
                Optional(),
                Length(max=200),
                Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Dit is geen e-mailadres.")),
            ],
        )
    return Form(**kwargs)


def signup_answers(panel: Any, form: SignupBase) -> dict[str, str]:
    """Category name -> answer from a filled-in sign-up form."""
    return {c["name"]: form[f"q{n}"].data for n, c in enumerate(panel.categories)}
