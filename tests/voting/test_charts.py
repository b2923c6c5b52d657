"""The SVG builders: well-formed, labelled, escaped, no colour-only meaning."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from voting import charts
from voting.charts import Bar, RoundBars, Segment

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = (root.get("aria-labelledby") or "").split()
    assert root.find(f"{SVG}title").get("id") == title_id  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").get("id") == desc_id  # type: ignore[union-attr]
    assert "style" not in svg  # the CSP allows presentation attributes only
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_bar_chart_marks_with_text_and_pattern() -> None:
    svg = charts.bar_chart(
        chart_id="b",
        title="Stemmen <per> optie",
        desc="beschrijving & meer",
        bars=[Bar("Plan <A>", Fraction(5), mark="✓ gekozen"), Bar("Plan B", Fraction(3))],
    )
    root = _parse(svg)
    assert "Plan &lt;A&gt;" in svg and "&amp; meer" in svg
    texts = _texts(root)
    assert "Plan <A>" in texts and any("✓ gekozen" in t for t in texts)
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert "url(#b-hatch)" in fills  # marked bar: hatched, not only another colour
    widths = [float(r.get("width") or 0) for r in root.iter(f"{SVG}rect") if r.get("y") != "0"]
    assert max(widths) == pytest.approx(charts.WIDTH - charts.RESERVE)


def test_rounds_chart_has_one_group_per_round_and_the_quota() -> None:
    rounds = [
        RoundBars(
            "Ronde 1",
            "Valt af: C.",
            (Bar("A", Fraction(4)), Bar("C", Fraction(1), mark="✗ valt af", dropped=True)),
        ),
        RoundBars("Ronde 2", "Gekozen: A.", (Bar("A", Fraction(5), mark="✓ gekozen"),)),
    ]
    root = _parse(
        charts.rounds_chart(
            chart_id="r",
            title="t",
            desc="d",
            rounds=rounds,
            threshold=Fraction(3),
            threshold_label="quotum 3",
        )
    )
    texts = _texts(root)
    assert texts.count("Ronde 1") == 1 and "Ronde 2" in texts and "quotum 3" in texts
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert "url(#r-dropped)" in fills and "url(#r-hatch)" in fills
    # Eliminated is grey, not the green of the budget's second pattern.
    dropped = root.find(f".//{SVG}pattern[@id='r-dropped']/{SVG}rect")
    assert dropped is not None and dropped.get("fill") == charts.DROPPED
    assert any(line.get("stroke-dasharray") for line in root.iter(f"{SVG}line"))


def test_pairwise_chart_marks_wins() -> None:
    root = _parse(
        charts.pairwise_chart(
            chart_id="p",
            title="t",
            desc="d",
            labels=["Plan A", "Plan B"],
            ids=["A", "B"],
            pairwise={"A": {"B": 7}, "B": {"A": 3}},
        )
    )
    texts = _texts(root)
    assert "7 ▲" in texts and "3" in texts
    assert "1. Plan A" in texts and "2. Plan B" in texts


def test_budget_chart() -> None:
    root = _parse(
        charts.budget_chart(
            chart_id="g",
            title="t",
            desc="d",
            budget=Fraction(50_000),
            segments=[Segment("Speeltuin", Fraction(12_500)), Segment("Bankjes", Fraction(4_500))],
            remaining_label="Niet besteed: € 33.000",
        )
    )
    texts = _texts(root)
    texts = [t.replace("\u00a0", " ") for t in texts]
    assert "1. Speeltuin: € 12.500" in texts and "2. Bankjes: € 4.500" in texts
    assert "Niet besteed: € 33.000" in texts and "€ 50.000" in texts
    widths = [r.get("width") for r in root.iter(f"{SVG}rect")]
    assert "100" in widths  # 12.500 of 50.000 on 400 units


def test_turnout_chart() -> None:
    root = _parse(
        charts.turnout_chart(
            chart_id="o",
            title="t",
            desc="d",
            percent=Fraction(65, 2),
            threshold=Fraction(30),
            percent_label="opkomst 32,5%",
            threshold_label="drempel 30%",
        )
    )
    texts = _texts(root)
    assert "opkomst 32,5%" in texts and "drempel 30%" in texts
