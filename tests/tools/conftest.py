"""Helpers for the tests of the third-party scripts in ``tools/``: run a script in a
clean subprocess, and write small election records to disk."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from ballots.methods import count
from ballots.model import Option, Profile
from ballots.record import build_record, write_record

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def require() -> Callable[..., None]:
    """``require("ballots.formats.pabulib", ...)`` skips the test unless every module is
    in this checkout (other engineers' parts land during the day)."""

    def check(*modules: str) -> None:
        missing = [m for m in modules if find_spec(m) is None]
        if missing:
            pytest.skip(f"not landed yet: {', '.join(missing)}")

    return check


def run_script(
    script: str, *args: str | Path, cwd: Path, no_site: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``tools/<script>`` as a third party would: a fresh interpreter in isolated
    mode (no PYTHONPATH, no user site), from another folder than the checkout. With
    ``no_site`` even the installed packages are hidden (``-S``): only the standard
    library and the checkout are left."""
    flags = ["-I", "-S"] if no_site else ["-I"]
    return subprocess.run(
        [sys.executable, *flags, str(REPO / "tools" / script), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


@pytest.fixture
def recount(tmp_path: Path) -> Runner:
    """Run ``tools/recount.py`` with only Python and the checkout."""

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return run_script("recount.py", *args, cwd=tmp_path, no_site=True)

    return run


@pytest.fixture
def verify(tmp_path: Path) -> Runner:
    """Run ``tools/verify.py`` (it needs the installed ``cryptography``)."""

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return run_script("verify.py", *args, cwd=tmp_path)

    return run


RANKED_OPTIONS = [Option("a", "Plan A"), Option("b", "Plan B"), Option("c", "Plan C")]
RANKED_BALLOTS: list[tuple[str, list[str]]] = [
    ("R3", ["a", "b"]),
    ("R1", ["b"]),
    ("R2", ["c", "b"]),
    ("R4", ["a"]),
    ("R5", ["b", "a"]),
]


def _make_record(
    *,
    rule: str = "irv",
    seats: int = 1,
    ballot_type: str = "ranked",
    kind: str = "referendum",
    options: Sequence[Option] = RANKED_OPTIONS,
    ballots: Sequence[tuple[str, Any]] = RANKED_BALLOTS,
    budget: int | None = None,
    seed: str = "seed-2026",
    max_points: int | None = None,
) -> dict[str, Any]:
    """A record counted for real with ``rule``. Split and points ballots are mappings
    option id -> amount."""
    if ballot_type in ("distribution", "points"):
        profile = Profile.build_weighted(
            ballot_type, options, [c for _, c in ballots], budget=budget, max_points=max_points
        )
    else:
        profile = Profile.build(ballot_type, options, [c for _, c in ballots], budget=budget)
    result = count(profile, rule, seats=seats, seed=seed)
    return build_record(
        election={
            "id": "test",
            "title": "Testverkiezing",
            "kind": kind,
            "ballot_type": ballot_type,
            "rule": rule,
            "seats": seats,
            "budget": budget,
            "max_points": max_points,
            "options": options,
            "roll_size": 20,
            "tie_break_seed": seed,
            "binding": True,
        },
        ballots=[c for _, c in ballots],
        receipts=[r for r, _ in ballots],
        result=result,
        turnout={},
    )


def _save(record: dict[str, Any], path: Path) -> Path:
    path.write_text(write_record(record), encoding="utf-8")
    return path


@pytest.fixture
def make_record() -> Callable[..., dict[str, Any]]:
    """Build a record counted for real: ``make_record(rule="stv", seats=2, ...)``."""
    return _make_record


@pytest.fixture
def save() -> Callable[[dict[str, Any], Path], Path]:
    """``save(record, path)`` writes the record as published and returns the path."""
    return _save
