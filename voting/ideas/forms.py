"""The idea form (residents and organisers) and the clerk's merge form. The cost lines
are read by :func:`voting.ideas.service.parse_cost_lines`: a table of rows, no
JavaScript needed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from voting.money_field import EuroField


class IdeaForm(FlaskForm):
    """An idea for a buurtbudget: what, why, where, for which theme, and its costs."""

    title = StringField(_l("Naam van uw idee"), validators=[DataRequired(), Length(max=200)])
    summary = StringField(
        _l("In één zin: wat gaat er gebeuren?"), validators=[DataRequired(), Length(max=500)]
    )
    description = TextAreaField(
        _l("Uitleg: waarom is dit goed voor de buurt?"), validators=[Length(max=10000)]
    )
    theme = StringField(_l("Thema"), validators=[Length(max=100)])
    location = StringField(
        _l("Waar? Een buurt of een straat"), validators=[DataRequired(), Length(max=200)]
    )
    total = EuroField(_l("Totale kosten in hele euro's"), validators=[Optional()], minimum=1)
    image = FileField(_l("Foto of tekening (mag leeg; JPEG of PNG)"))
    submitter_name = StringField(
        _l("Uw naam of de naam van uw groep (mag leeg; staat bij het idee)"),
        validators=[Length(max=200)],
    )


class PaperIdeaForm(IdeaForm):
    """A resident's idea on paper, entered by the clerk with the letter's code."""

    code = StringField(_l("Code uit de brief van de bewoner"), validators=[DataRequired()])


class IdeaCodeForm(FlaskForm):
    """The code from the process letter, to send in ideas."""

    code = StringField(_l("Code uit uw brief"))


class MergeForm(FlaskForm):
    """Merge a proposal into another one (duplicates)."""

    into = SelectField(_l("Samenvoegen met"), coerce=int, validators=[DataRequired()])
    confirm = BooleanField(validators=[DataRequired()])  # it cannot be undone
