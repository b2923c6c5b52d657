"""A panel's questions and quotas as the clerk types them, one category per line.

    Leeftijd: 16-24 = 2-5; 25-39 = 4-7; 40-64 = 6-9; 65+ = 3-6
    Opleiding: laag = 28%; midden = 37%; hoog = 35%

A value takes either a typed minimum-maximum, or a population share (CBS figures) in
percent: the quota is then share × seats, give or take the tolerance in seats,
rounded outwards (:func:`ballots.panels.quotas.quotas_from_shares`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ballots.panels.model import Quota
from ballots.panels.quotas import quotas_from_shares

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_SHARE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*%$")


class CategoryError(ValueError):
    """A line of the categories that cannot be read; the message is Dutch."""


@dataclass(frozen=True)
class Category:
    """One question: its name, its values, and a quota per value."""

    name: str
    quotas: tuple[Quota, ...]

    @property
    def values(self) -> list[str]:
        """The answers residents can give."""
        return [q.value for q in self.quotas]


def parse_categories(text: str, seats: int, tolerance: Fraction) -> list[Category]:
    """Read the clerk's lines into categories; raises :class:`CategoryError`."""
    categories: list[Category] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        name, colon, rest = line.partition(":")
        name = name.strip()
        if not colon or not name or not rest.strip():
            raise CategoryError(
                f"Regel {number}: schrijf 'Naam: waarde = min-max; waarde = min-max'."
            )
        if any(c.name.casefold() == name.casefold() for c in categories):
            raise CategoryError(f"Regel {number}: de vraag '{name}' staat er twee keer in.")
        ranges: list[Quota] = []
        shares: dict[str, Fraction] = {}
        for part in rest.split(";"):
            if not part.strip():
                continue
            value, equals, bound = part.partition("=")
            value, bound = value.strip(), bound.strip()
            if not equals or not value:
                raise CategoryError(f"Regel {number}: '{part.strip()}' heeft geen '='.")
            if value in [q.value for q in ranges] or value in shares:
                raise CategoryError(f"Regel {number}: '{value}' staat er twee keer in.")
            if match := _RANGE.match(bound):
                low, high = int(match.group(1)), int(match.group(2))
                if low > high:
                    raise CategoryError(f"Regel {number}: bij '{value}' is het minimum te groot.")
                ranges.append(Quota(name, value, low, high))
            elif match := _SHARE.match(bound):
                shares[value] = Fraction(match.group(1).replace(",", ".")) / 100
            else:
                raise CategoryError(
                    f"Regel {number}: '{bound}' bij '{value}' is geen 'min-max' of percentage."
                )
        if ranges and shares:
            raise CategoryError(f"Regel {number}: gebruik per vraag óf aantallen óf percentages.")
        if shares:
            if sum(shares.values()) != 1:
                total = float(sum(shares.values()) * 100)
                raise CategoryError(
                    f"Regel {number}: de percentages tellen op tot {total:g}%, niet 100%."
                )
            ranges = quotas_from_shares(name, shares, seats, tolerance)
        if len(ranges) < 2:
            raise CategoryError(f"Regel {number}: een vraag heeft minstens twee antwoorden.")
        categories.append(Category(name, tuple(ranges)))
    return categories


def categories_to_json(categories: list[Category]) -> list[dict[str, Any]]:
    """The stored form (``Panel.categories_json``)."""
    return [
        {
            "name": c.name,
            "values": [{"value": q.value, "min": q.min, "max": q.max} for q in c.quotas],
        }
        for c in categories
    ]


def categories_from_json(data: list[dict[str, Any]]) -> list[Category]:
    """Back from the stored form."""
    return [
        Category(
            c["name"],
            tuple(Quota(c["name"], v["value"], int(v["min"]), int(v["max"])) for v in c["values"]),
        )
        for c in data
    ]


def categories_to_text(categories: list[Category]) -> str:
    """The lines the clerk typed, with the quotas as ranges (for editing)."""
    return "\n".join(
        f"{c.name}: " + "; ".join(f"{q.value} = {q.min}-{q.max}" for q in c.quotas)
        for c in categories
    )


def all_quotas(categories: list[Category]) -> list[Quota]:
    """Every quota of every category."""
    return [q for c in categories for q in c.quotas]
