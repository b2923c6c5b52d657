"""Numbers, amounts and dates as people read them, in Dutch and in English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voting.formatting import (
    format_day,
    format_day_range,
    format_moment,
    format_money,
    format_number,
    format_percent,
    town_hall_today,
)


@pytest.mark.parametrize(
    ("value", "places", "dutch", "english"),
    [
        (Fraction(65, 2), 2, "32,5", "32.5"),
        (Fraction(100, 3), 1, "33,3", "33.3"),
        (Fraction(2, 3), 2, "0,67", "0.67"),
        (50000, 2, "50.000", "50,000"),
        (Fraction(-5, 2), 0, "-3", "-3"),  # half up, away from zero
        (Fraction(1, 8), 2, "0,13", "0.13"),  # half up, not half to even
        ("1175/36", 2, "32,64", "32.64"),
    ],
)
def test_numbers(value: Fraction | int | str, places: int, dutch: str, english: str) -> None:
    assert format_number(value, places, locale="nl") == dutch
    assert format_number(value, places, locale="en") == english


def test_money_drops_cents_only_when_there_are_none() -> None:
    assert format_money(50_000, locale="nl") == "€\u00a050.000"  # no break after the sign
    assert format_money(50_000, locale="en") == "€50,000"
    assert format_money(Fraction(25001, 2), locale="nl") == "€\u00a012.500,50"
    assert format_money(Fraction(25001, 2), locale="en") == "€12,500.50"


def test_percent_in_points() -> None:
    assert format_percent(Fraction(14, 10), locale="nl") == "1,4%"
    assert format_percent(Fraction(14, 10), locale="en") == "1.4%"
    assert format_percent(Fraction(200, 7), locale="nl") == "28,6%"
    assert format_percent(30, locale="en") == "30%"


def test_moments_on_the_town_hall_clock() -> None:
    winter = datetime(2026, 12, 14, 19, 0, tzinfo=UTC)
    assert format_moment(winter, locale="nl") == "14 december 2026, 20:00"
    assert format_moment(winter.replace(tzinfo=None), locale="en") == "14 December 2026, 20:00"
    assert format_moment("2026-07-01T10:00:00+00:00", locale="nl") == "1 juli 2026, 12:00"
    assert format_moment(None) == "" and format_moment("") == ""
    # 23:30 UTC on New Year's Eve is already New Year's Day in Amsterdam.
    assert format_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), locale="nl") == "1 januari 2027"
    assert format_day(date(2026, 3, 1), locale="en") == "1 March 2026"


def test_day_ranges_say_month_and_year_once_in_full_words() -> None:
    # The letter's steps: short enough to fit four on the page, never "dec".
    def days(start: date, end: date) -> str:
        return format_day_range(start, end, locale="nl")

    assert days(date(2026, 12, 1), date(2026, 12, 15)) == "1 tot 15 december 2026"
    assert days(date(2026, 11, 1), date(2026, 12, 14)) == "1 november tot 14 december 2026"
    assert days(date(2026, 12, 16), date(2027, 1, 30)) == "16 december 2026 tot 30 januari 2027"
    assert format_day_range(date(2026, 3, 2), date(2026, 3, 9), locale="en") == "2 to 9 March 2026"
    # Datetimes count on the town hall's clock: 23:30 UTC on 31 December is 1 January.
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert days(late, date(2027, 1, 6)) == "1 tot 6 januari 2027"


def test_outside_a_request_dutch_inside_the_visitors_language(app: Flask) -> None:
    assert format_money(1_000) == "€\u00a01.000"
    with app.test_request_context("/?lang=en"):
        assert format_money(1_000) == "€1,000" and format_percent(Fraction(7, 5)) == "1.4%"
    with app.test_request_context("/"):
        assert format_money(1_000) == "€\u00a01.000"


def test_english_pages_use_english_number_formats(client: FlaskClient, make_election) -> None:
    election = make_election(kind="budget", costs=[12_500, 3_000], phase="proposals")
    dutch = client.get(f"/voorstellen/{election.slug}").get_data(as_text=True)
    assert "€\u00a050.000" in dutch and "€\u00a012.500" in dutch
    english = client.get(f"/voorstellen/{election.slug}?lang=en").get_data(as_text=True)
    assert "€50,000" in english and "€12,500" in english and "€\u00a050.000" not in english


def test_today_is_the_town_halls_day() -> None:
    # Letters printed and decisions recorded late in the evening carry the Dutch date,
    # also on a server that runs in UTC.
    assert town_hall_today(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 2)
    assert town_hall_today(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert town_hall_today(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)
