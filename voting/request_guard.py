"""Hostile input stopped at the door: one check for every request before any view
reads it, and integer URL parts bounded to what the database columns hold.

PostgreSQL refuses a NUL character in text (a 500 deep in a query) and SQLite
silently stores it; a control character in a title or name is never meant. An id
above 2^31-1 overflows PostgreSQL's ``integer`` columns. Rather than catch these in
every view, they are refused here with a 400 (or a 404 for an id no row can have)
and the clear error page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

# The largest value of a PostgreSQL ``integer`` (and of every Integer column here).
INT_COLUMN_MAX = 2**31 - 1

# C0 controls and DEL. Tab, line feed and carriage return are ordinary in a text
# area; nowhere else does a person type a control character.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_ANYWHERE = re.compile(r"[\x00-\x1f\x7f]")

# Form validators bound numbers to INT_COLUMN_MAX with this message.
TOO_LARGE = _l("Vul een getal in tussen %(min)s en %(max)s.")

BAD_CHARACTERS = _l(
    "Uw invoer bevat tekens die hier niet kunnen (zoals onzichtbare stuurtekens). "
    "Ga terug, typ de tekst opnieuw en probeer het nog eens."
)


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches only ids a database column can hold (0 to 2^31-1),
    so ``/beheer/verkiezing/2147483648`` is a plain 404 and never reaches a query."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", INT_COLUMN_MAX)
        super().__init__(map, *args, **kwargs)


def has_control_characters(value: str, *, text_area: bool = True) -> bool:
    """True if ``value`` holds a NUL or another control character. With
    ``text_area`` tab and line breaks are allowed (they are ordinary in a text
    area); without it every control character counts."""
    pattern = _CONTROL_IN_TEXT if text_area else _CONTROL_ANYWHERE
    return pattern.search(value) is not None


def _bad_pairs(pairs: Iterable[tuple[str, str]], *, text_area: bool) -> bool:
    return any(
        has_control_characters(key, text_area=False)
        or has_control_characters(value, text_area=text_area)
        for key, value in pairs
    )


def refuse_control_characters() -> None:
    """``before_request``: a 400 with the clear page when the path, a query
    argument or a form field holds a control character."""
    if has_control_characters(request.path, text_area=False):
        abort(400, description=str(BAD_CHARACTERS))
    if _bad_pairs(request.args.items(multi=True), text_area=False):
        abort(400, description=str(BAD_CHARACTERS))
    # A multipart body (the roll upload) is left to its view, which parses it in
    # memory under its own size limit; reading it here would spool it to disk first.
    # Its fields are check boxes and choices that WTForms checks against a list.
    has_form = request.method in ("POST", "PUT", "PATCH")
    plain_form = has_form and request.mimetype != "multipart/form-data"
    if plain_form and _bad_pairs(request.form.items(multi=True), text_area=True):
        abort(400, description=str(BAD_CHARACTERS))


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter (before any blueprint adds a rule) and
    the control-character check (first of the app's own request hooks)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_control_characters)
