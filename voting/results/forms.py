"""Forms of the public results pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class ReceiptForm(FlaskForm):
    """A resident's receipt, to find their ballot in the published record."""

    receipt = StringField(
        _l("Uw bonnummer"),
        validators=[
            DataRequired(message=_l("Vul het bonnummer in dat u na het stemmen kreeg.")),
            Length(max=60, message=_l("Een bonnummer is korter dan 60 tekens.")),
        ],
    )


def normalise_receipt(text: str) -> str:
    """A receipt as people type it, compared without case, spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())
