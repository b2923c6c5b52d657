"""Every number, amount and date a person reads, in the reader's language (Babel).

Pages, charts, letters, receipts and the proces-verbaal all format through here, so a
Dutch page says ``€ 50.000`` and ``1,4%`` and an English one ``€50,000`` and ``1.4%``.
In a request the language is Flask-Babel's (the visitor's choice); elsewhere (the
command line, a test) it is the ``locale`` passed in, Dutch by default.

Times are shown on the town hall's clock: :data:`TIME_ZONE` is the one setting for
that, used by Flask-Babel, the letters, the roll's reference day and the setup forms.

Rounding happens only here, for reading, never to decide anything: exact fractions
come in and are rounded half up (``32,45`` -> ``32,5``), not half to even.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import has_request_context

TIME_ZONE_NAME = "Europe/Amsterdam"
TIME_ZONE = ZoneInfo(TIME_ZONE_NAME)
DEFAULT_LOCALE = "nl"
CURRENCY = "EUR"

Number = Fraction | Decimal | int | str


def reader_locale(locale: str | Locale | None = None) -> Locale:
    """The locale to format for: ``locale`` when given, else the visitor's (in a
    request), else Dutch."""
    if locale is not None:
        return Locale.parse(locale)
    if has_request_context():
        from flask_babel import get_locale

        current = get_locale()
        if current is not None:
            return current
    return Locale.parse(DEFAULT_LOCALE)


def _rounded(value: Number, places: int) -> Decimal:
    # Fraction -> Decimal exactly enough, then half up to ``places`` decimals.
    exact = Fraction(value)
    quotient = Decimal(exact.numerator) / Decimal(exact.denominator)
    return quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_number(value: Number, places: int = 2, *, locale: str | Locale | None = None) -> str:
    """An exact number with at most ``places`` decimals, trailing zeros dropped:
    ``Fraction(65, 2)`` -> ``"32,5"`` (nl) / ``"32.5"`` (en); thousands grouped."""
    pattern = "#,##0" + ("." + "#" * places if places > 0 else "")
    return babel_numbers.format_decimal(
        _rounded(value, places), format=pattern, locale=reader_locale(locale)
    )


def format_money(value: Number, *, locale: str | Locale | None = None) -> str:
    """Euros with cents only when there are any: ``€ 12.500`` / ``€ 12.500,50`` (nl),
    ``€12,500`` / ``€12,500.50`` (en). Babel puts a no-break space after the sign in
    Dutch, so it never ends up alone at the end of a line."""
    where = reader_locale(locale)
    amount = _rounded(value, 2)
    pattern = copy.copy(where.currency_formats["standard"])
    if amount == amount.to_integral_value():
        pattern.frac_prec = (0, 0)
        amount = amount.quantize(Decimal(1))
    return pattern.apply(amount, where, currency=CURRENCY, currency_digits=False)


def format_amount_field(value: Number, *, locale: str | Locale | None = None) -> str:
    """An amount of euros as a form field's starting value: no sign and no grouping, so
    that it reads back unchanged whichever way the reader types it, and cents only when
    there are any: ``"1250"``, ``"1250,50"`` (nl), ``"1250.50"`` (en)."""
    amount = _rounded(value, 2)
    pattern = "0" if amount == amount.to_integral_value() else "0.00"
    return babel_numbers.format_decimal(amount, format=pattern, locale=reader_locale(locale))


def format_percent(points: Number, *, locale: str | Locale | None = None) -> str:
    """A percentage given in points (``32.5`` means 32.5%) with one decimal at most:
    ``"32,5%"`` (nl), ``"32.5%"`` (en)."""
    share = _rounded(points, 1) / 100
    return babel_numbers.format_percent(share, format="#,##0.#%", locale=reader_locale(locale))


def local_time(moment: datetime) -> datetime:
    """``moment`` on the town hall's clock; a naive ``moment`` is taken as UTC (SQLite
    drops the zone of the UTC times we store)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(TIME_ZONE)


def town_hall_today(now: datetime | None = None) -> date:
    """Today's date on the town hall's clock (``now``, default the present moment): a
    letter printed at 23:30 UTC on 1 December is dated 2 December in the Netherlands,
    whatever time zone the server runs in."""
    return local_time(now or datetime.now(UTC)).date()


def format_moment(
    moment: datetime | str | None,
    pattern: str = "d MMMM y, HH:mm",
    *,
    locale: str | Locale | None = None,
) -> str:
    """A moment as ``14 december 2026, 20:00`` on the town hall's clock, in the
    reader's language; an ISO 8601 string (as the record keeps them) is read first;
    ``""`` for None or ``""``."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return babel_dates.format_datetime(
        local_time(moment), pattern, tzinfo=TIME_ZONE, locale=reader_locale(locale)
    )


def format_day(
    day: date | datetime | None, pattern: str = "d MMMM y", *, locale: str | Locale | None = None
) -> str:
    """A day as ``1 december 2026`` / ``1 December 2026``; a datetime counts on the
    town hall's clock (23:30 UTC is already the next day there); ``""`` for None."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = local_time(day).date()
    return babel_dates.format_date(day, pattern, locale=reader_locale(locale))


def format_day_range(
    start: date | datetime, end: date | datetime, *, locale: str | Locale | None = None
) -> str:
    """Two days as ``1 tot 15 december 2026``, ``1 november tot 14 december 2026`` or
    ``16 december 2026 tot 30 januari 2027``: the month and year said once where both
    days share them, in full words (Babel's interval formats abbreviate the month).
    Datetimes count on the town hall's clock, as in :func:`format_day`."""
    first, last = (local_time(d).date() if isinstance(d, datetime) else d for d in (start, end))
    if (first.year, first.month) == (last.year, last.month):
        head = "d"
    elif first.year == last.year:
        head = "d MMMM"
    else:
        head = "d MMMM y"
    to = "tot" if reader_locale(locale).language == "nl" else "to"
    return f"{format_day(first, head, locale=locale)} {to} {format_day(last, locale=locale)}"
