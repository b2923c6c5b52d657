"""The public page's picture: each group's selection probability as a bar (SVG,
drawn on the server, with the numbers as text beside it for screen readers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from markupsafe import Markup, escape

from voting.formatting import format_percent


def group_probabilities(
    categories: Sequence[Mapping[str, Any]],
    respondents: Sequence[Mapping[str, Any]],
    probabilities: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Per category and value: respondents, and their lowest and average probability."""
    rows = []
    for category in categories:
        for value in category["values"]:
            group = [
                Fraction(probabilities[r["id"]])
                for r in respondents
                if r["values"].get(category["name"]) == value["value"]
            ]
            rows.append(
                {
                    "category": category["name"],
                    "value": value["value"],
                    "count": len(group),
                    "lowest": min(group) if group else Fraction(0),
                    "mean": sum(group) / len(group) if group else Fraction(0),
                }
            )
    return rows


def probability_svg(rows: Sequence[Mapping[str, Any]], title: str) -> Markup:
    """Horizontal bars of the average probability per group, 0-100 %."""
    bar_h, gap, left, width = 16, 6, 150, 150
    height = len(rows) * (bar_h + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 60} {height}" '
        f'role="img" aria-labelledby="probability-title" class="chart" width="100%">',
        f'<title id="probability-title">{escape(title)}</title>',
    ]
    for i, row in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        w = float(row["mean"]) * width
        label = f"{row['category']}: {row['value']}"
        parts.append(
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" font-size="11">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#e6e6e6"/>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#1d5b99"/>'
            f'<text x="{left + width + 4}" y="{y + 12}" font-size="11">'
            f"{escape(format_percent(float(row['mean']) * 100))}</text>"
        )
    parts.append("</svg>")
    # Every text above went through escape() (bandit B704).
    return Markup("".join(parts))  # nosec B704
