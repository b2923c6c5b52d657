"""Split (distribution) records through the third-party tools: ``recount.py`` prints
each theme's amount and the phantoms, ``verify.py --cross-check`` recomputes every
share by hand from the ballots and the record's own ``t``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ballots.model import Option
from voting.signing import public_key_pem, sign_record

Runner = Callable[..., subprocess.CompletedProcess[str]]
THEMES = [Option("groen", "Groen"), Option("spelen", "Spelen"), Option("verkeer", "Verkeer")]
# 1 of 3 residents gives everything to green, 2 to play, one hands in a blank ballot.
SPLITS = [
    ("R1", {"groen": 50_000}),
    ("R2", {"spelen": 50_000}),
    ("R3", {"spelen": 50_000}),
    ("R4", {}),
]
MIXED = [
    ("R1", {"groen": 60, "spelen": 40}),
    ("R2", {"groen": 20, "spelen": 30, "verkeer": 50}),
    ("R3", {"verkeer": 100}),
]


def split_record(make_record: Callable[..., Any], rule: str, ballots: Any, total: int) -> Any:
    return make_record(
        rule=rule,
        ballot_type="distribution",
        options=THEMES,
        ballots=ballots,
        budget=total,
    )


def test_recount_prints_the_split_and_the_phantoms(
    recount: Runner, tmp_path: Path, make_record: Callable[..., Any], save: Any
) -> None:
    record = split_record(make_record, "distribution-median", SPLITS, 50_000)
    done = recount(save(record, tmp_path / "split.json"))
    assert done.returncode == 0, done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    assert "Split of the total 50000 (whole amounts by largest remainder):" in lines
    # 33333 1/3 and 16666 2/3: the euro left goes to the larger remainder
    assert "Spelen [spelen]         33333  (share 2/3, ~66.66666%)" in lines
    assert "Groen [groen]           16667  (share 1/3, ~33.33333%)" in lines
    assert "Phantoms at t = 1/3: 1, 2/3, 1/3, 0" in lines
    assert "Splits counted: 3, blank ballots: 1" in lines
    assert "Winners, in order of election:" not in lines


@pytest.mark.parametrize("rule", ["distribution-mean", "distribution-median"])
def test_verify_recomputes_every_share_by_hand(
    verify: Runner,
    tmp_path: Path,
    make_record: Callable[..., Any],
    save: Any,
    rule: str,
) -> None:
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(public_key_pem(key))
    record = sign_record(split_record(make_record, rule, MIXED, 100), key)
    done = verify(save(record, tmp_path / "split.json"), "--cross-check", "--key", key_file)
    assert done.returncode == 0, done.stdout
    assert f"[  ok] cross-check ({rule})" in done.stdout
    assert "add up to the whole" in done.stdout


def test_verify_catches_a_share_that_is_not_the_median(
    tmp_path: Path, make_record: Callable[..., Any]
) -> None:
    from tests.tools.test_verify import load_verify

    tool = load_verify()
    record = split_record(make_record, "distribution-median", MIXED, 100)
    good = tool.cross_check(json.loads(json.dumps(record)), None)
    assert good.problems == []
    shares = record["result"]["details"]["shares"]
    shares["groen"], shares["verkeer"] = shares["verkeer"], shares["groen"]
    bad = tool.cross_check(record, None)
    assert bad.problems == ["by hand, the shares of groen, verkeer differ from the record"]
    record["result"]["details"]["t"] = "1/7"
    assert (
        "the phantom positions do not follow from the record's t"
        in tool.cross_check(record, None).problems
    )


def test_verify_cross_checks_points_ballots_with_points_as_utilities(
    make_record: Callable[..., Any],
) -> None:
    pytest.importorskip("pabutools")
    from tests.tools.test_verify import load_verify

    options = [Option("a", "A", 40), Option("b", "B", 30), Option("c", "C", 30)]
    ballots = [("R1", {"a": 10}), ("R2", {"a": 10}), ("R3", {"b": 1, "c": 1}), ("R4", {"b": 1})]
    for rule in ("greedy", "mes"):
        record = make_record(
            rule=rule,
            kind="budget",
            ballot_type="points",
            options=options,
            ballots=ballots,
            budget=70,
            max_points=10,
        )
        check = load_verify().cross_check(record, None)
        assert check.problems == [] and not check.skipped, check.info
        assert f"pabutools agrees: winners {sorted(record['result']['winners'])}" in check.info[0]


def test_verify_says_why_it_cannot_cross_check_theme_budgets(
    make_record: Callable[..., Any],
) -> None:
    from tests.tools.test_verify import load_verify

    record = make_record(
        rule="greedy",
        kind="budget",
        ballot_type="budget",
        options=[Option("a", "A", 40)],
        ballots=[("R1", ["a"])],
        budget=40,
    )
    record["election"]["theme_budgets"] = [["Groen", 40]]
    check = load_verify().cross_check(record, None)
    assert check.skipped and "funded per theme" in check.info[0]
