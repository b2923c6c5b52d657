"""tools/bench_panel.py prints our figures, and a reference stopped at its time limit
says so (with how far it got) instead of hanging the benchmark."""

from __future__ import annotations

import argparse

import pytest

from tools import bench_panel
from tools.sortition_oracle import available


def test_small_run_prints_our_time_lowest_probability_and_the_verdict(capsys) -> None:
    assert bench_panel.main(["--respondents", "120", "--seats", "20", "--skip-oracle"]) == 0
    out = capsys.readouterr().out
    assert "pool 120 respondents" in out
    assert "Buurtstem leximin:" in out and "lowest probability 0." in out
    assert "target 20 s: met" in out


@pytest.mark.skipif(not available(), reason="sortition-algorithms not installed")
def test_a_reference_past_its_time_limit_is_stopped_and_reported() -> None:
    args = argparse.Namespace(respondents=400, seats=60, timeout=1.0)
    result = bench_panel._reference("maximin", args, "highspy")
    assert result["stopped"] == "time limit 1 s"
    assert 1.0 <= float(result["seconds"]) < 30  # type: ignore[arg-type]
    assert result["reached"]
