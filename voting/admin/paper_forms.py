"""Forms of the clerk's paper-ballot screen. The choices are read by
:func:`voting.ballot_validation.parse_form`, the same reader as the online ballot."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class PaperCodeForm(FlaskForm):
    """The stemcode printed on the returned paper ballot."""

    code = StringField(_l("Stemcode op het papieren stembiljet"))
