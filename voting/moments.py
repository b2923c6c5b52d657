"""Dates and times as residents read them: the town hall's clock, their language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime

from voting.models import aware


def local_moment(value: datetime | None) -> str:
    """``value`` as '14 december 2026, 20:00' in the municipality's time zone
    (``BABEL_DEFAULT_TIMEZONE``) and the visitor's language; '' for None."""
    if value is None:
        return ""
    return format_datetime(aware(value), "d MMMM y, HH:mm")
