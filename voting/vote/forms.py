"""Forms of the resident pages. The ballot itself is read by
:func:`voting.ballot_validation.parse_form`, because its fields depend on the election."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class CodeForm(FlaskForm):
    """The stemcode from the letter. Any spacing, dashes or case is fine: the code is
    normalised before it is checked."""

    code = StringField(_l("Stemcode"))
