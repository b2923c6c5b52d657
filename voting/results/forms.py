"""Forms of the public results pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from voting import codes


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
    """A receipt as people type it, compared without case, spaces or dashes, and with
    the look-alikes of the letter codes (O->0, I/L->1): receipts use their alphabet."""
    return "".join(ch for ch in codes.normalise(text) if ch.isalnum())
