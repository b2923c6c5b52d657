"""A small run of tools/loadtest.py: residents' whole visits through the real app under
gunicorn beside the one-POST ceiling app, in CI. The figures are printed (``-s`` or
the captured output shows them); a visit's SQL statements are asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import loadtest


def test_small_load_run(tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("gunicorn")
    figures = loadtest.run(
        clients=4, visits=24, database=database_url, workers=2, threads=2, folder=tmp_path
    )
    with capsys.disabled():
        print("\n" + loadtest.report(figures, 4))
    assert figures.failed_visits == 0 and figures.failed_casts == 0
    assert figures.visits_per_s > 0 and figures.casts_per_s > 0
    # The election and its options are read once per worker, not on every page.
    assert figures.sql_per_visit <= loadtest.TARGET_SQL


def test_hidden_fields_of_one_form() -> None:
    page = (
        '<form action="/a"><input type="hidden" name="csrf_token" value="t1"></form>'
        '<form action="/stem/controle"><input type="hidden" name="csrf_token" value="t2">'
        '<input type="hidden" name="visit" value="v"><input type="text" name="x"></form>'
    )
    assert loadtest.hidden_fields(page, "/stem/controle") == {"csrf_token": "t2", "visit": "v"}
    assert loadtest.hidden_fields(page, "/none") == {}
