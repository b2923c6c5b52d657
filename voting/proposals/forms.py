"""The organiser's proposal form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from voting.money_field import EuroField


class ProposalForm(FlaskForm):
    """A proposal for a buurtbudget: what, why, and what it costs."""

    title = StringField(_l("Naam van het voorstel"), validators=[DataRequired(), Length(max=200)])
    summary = StringField(
        _l("In één zin: wat gaat er gebeuren?"), validators=[DataRequired(), Length(max=500)]
    )
    description = TextAreaField(
        _l("Uitleg: waarom is dit goed voor de buurt?"), validators=[Length(max=10000)]
    )
    cost = EuroField(
        _l("Wat kost het, in hele euro's?"),
        validators=[InputRequired(_l("Vul de kosten in, in hele euro's."))],
        minimum=1,
    )
    theme = StringField(_l("Thema"), validators=[Length(max=100)])
    location = StringField(_l("Waar? Een buurt of een straat"), validators=[Length(max=200)])
    image = FileField(_l("Foto of tekening (mag leeg; JPEG of PNG)"))
