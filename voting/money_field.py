"""Amounts in whole euros as people type them: ``1500``, ``1.500``, ``€ 1.500``,
``1 500`` or ``1.500,-``; one reading for every form field and cost line that takes
money, and one clear message when it is not an amount."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from voting.formatting import format_money
from voting.request_guard import INT_COLUMN_MAX

# Digits, optionally grouped in threes by dots or spaces (Dutch thousands), then
# optionally ",-" or ",00" (whole euros written the Dutch way).
_AMOUNT = re.compile(r"(\d{1,3}(?:[. ]\d{3})+|\d+)(?:,-|,00)?")

NOT_AN_AMOUNT = _l("Vul een bedrag in hele euro's in, zoals 1500 of 1.500.")


def parse_euros(text: str) -> int | None:
    """The whole euros in ``text`` (``"€ 1.500"`` is 1500), or None when it is not
    an amount in whole euros (``"1,50"``, ``"-5"``, ``"vijftig"``, 13 digits)."""
    cleaned = text.strip().removeprefix("€").strip().replace("\u00a0", " ")
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        return None
    digits = re.sub(r"[. ]", "", match.group(1))
    return int(digits) if len(digits) <= 12 else None


class EuroField(IntegerField):
    """A whole-euro amount in a text box with a number keyboard on phones; read with
    :func:`parse_euros`, bounded to ``minimum`` .. the largest amount a database
    column holds, and one message for whatever is wrong."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, *, minimum: int = 0, **kw: Any):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **kw.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kw)
        self.minimum = minimum

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the typed text; a blank box is no amount (``None``), for the field's
        ``Optional`` or ``InputRequired`` to judge."""
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_euros(str(valuelist[0]))
        if self.data is None:
            raise ValueError(str(NOT_AN_AMOUNT))

    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        """The bounds, checked only for an amount that was read: one message a field."""
        if validation_stopped or self.errors or self.data is None:
            return
        if self.data < self.minimum:
            if self.minimum == 1:
                raise ValidationError(_("Het bedrag moet meer dan € 0 zijn."))
            raise ValidationError(
                _("Het bedrag is minstens %(amount)s.", amount=format_money(self.minimum))
            )
        if self.data > INT_COLUMN_MAX:
            raise ValidationError(
                _("Het bedrag is hoogstens %(amount)s.", amount=format_money(INT_COLUMN_MAX))
            )

    def _value(self) -> str:
        # What was typed stays in the box after an error; a stored amount shows bare.
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)
