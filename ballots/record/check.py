"""Checking a record: its hashes, receipts and turnout, and a recount against the
certified result. Each check returns the problems it found, one line each."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from fractions import Fraction
from itertools import pairwise
from typing import Any

from ballots.methods import count
from ballots.methods.themes import ThemeBudgets
from ballots.record.canonical import ballot_sha256, ballots_sha256, entry_text, receipts_sha256
from ballots.record.profile import profile_from_record
from ballots.result import Result
from ballots.turnout import Turnout


def recount_record(
    record: Mapping[str, Any],
    *,
    method: str | None = None,
    seats: int | None = None,
    seed: str | None = None,
) -> Result:
    """Recount the record's ballots with its rule, seats and tie-break seed (or the
    given overrides) through :func:`ballots.methods.count`."""
    meta = record["election"]
    return count(
        profile_from_record(record),
        method if method is not None else meta["rule"],
        seats=seats if seats is not None else meta["seats"],
        seed=seed if seed is not None else meta["tie_break_seed"],
        themes=themes_from_record(record),
    )


def themes_from_record(record: Mapping[str, Any]) -> ThemeBudgets | None:
    """The record's per-theme budgets (``theme_budgets``, the options' ``theme`` and
    ``leftover``), or None if it has none."""
    meta = record["election"]
    if not meta.get("theme_budgets"):
        return None
    return ThemeBudgets(
        budgets={str(t): int(a) for t, a in meta["theme_budgets"]},
        theme_of={o["id"]: o["theme"] for o in meta["options"] if o.get("theme")},
        leftover=meta.get("leftover", "unspent"),
    )


# --- checks ---------------------------------------------------------------------------


def check_ballot_hashes(record: Mapping[str, Any]) -> list[str]:
    """One line per ballot whose ``sha256`` does not match its choices (and points), and one if the
    ballots are not in their canonical order (sorted by their JSON text)."""
    problems: list[str] = []
    texts: list[str] = []
    # Each distinct ballot is encoded and hashed once (a million ballots are a few
    # thousand distinct ones); every copy is still compared with its own hash.
    seen: dict[Any, tuple[str, str]] = {}
    for number, b in enumerate(record["ballots"], start=1):
        points = b.get("points")
        try:
            key: Any = (tuple(b["choices"]), None if points is None else tuple(points))
            known = seen.get(key)
        except TypeError:  # not hashable: a malformed record, checked the long way
            key, known = None, None
        if known is None:
            known = (entry_text(b), ballot_sha256(b["choices"], points))
            if key is not None:
                seen[key] = known
        if known[1] != b["sha256"]:
            problems.append(f"ballot hash mismatch for ballot {number}")
        texts.append(known[0])
    if texts != sorted(texts):
        problems.append("the ballots are not in their canonical order (sorted by their JSON)")
    return problems


def check_ballots_sha256(record: Mapping[str, Any]) -> list[str]:
    """A line if ``ballots_sha256`` does not match the ballots' own hashes."""
    expected = ballots_sha256(b["sha256"] for b in record["ballots"])
    if expected == record["ballots_sha256"]:
        return []
    return [
        "the hash over all ballots (ballots_sha256) does not match the ballots: "
        "ballots were added, removed, reordered or changed"
    ]


def check_receipts(record: Mapping[str, Any]) -> list[str]:
    """Lines for receipts that appear more than once or are out of order, and if
    ``receipts_sha256`` does not match them."""
    problems = []
    receipts = list(record["receipts"])
    for before, after in pairwise(receipts):
        if before == after:
            problems.append(f"receipt {after} appears more than once")
        elif before > after:
            problems.append(f"receipts not sorted: {before} comes before {after}")
    if receipts_sha256(receipts) != record["receipts_sha256"]:
        problems.append("the hash over all receipts (receipts_sha256) does not match them")
    return problems


def check_counts(record: Mapping[str, Any]) -> list[str]:
    """Lines where the counts disagree with each other, the ballots or the receipts:
    cast = online + paper = votes + blank + invalid = receipts = turnout ballots, the
    desk ballots (if given) are some of the online ones, and the ballots listed are
    exactly the votes and the blank ones."""
    counts = record["counts"]
    ballots = record["ballots"]
    blank = sum(1 for b in ballots if not b["choices"])
    problems = []
    checks = (
        ("online + paper", counts["online"] + counts["paper"]),
        ("votes + blank + invalid", counts["votes"] + counts["blank"] + counts["invalid"]),
        ("the receipts", len(record["receipts"])),
        ("the turnout", record["turnout"]["ballots"]),
    )
    for name, value in checks:
        if value != counts["cast"]:
            problems.append(f"{counts['cast']} ballots cast, but {name} give {value}")
    if not 0 <= counts.get("desk", 0) <= counts["online"]:
        problems.append(
            f"counts say {counts['desk']} ballots at a desk, of {counts['online']} online"
        )
    if counts["blank"] != blank:
        problems.append(f"counts say {counts['blank']} blank ballots, the record holds {blank}")
    if counts["votes"] != len(ballots) - blank:
        problems.append(
            f"counts say {counts['votes']} ballots with choices, "
            f"the record holds {len(ballots) - blank}"
        )
    return problems


def check_turnout(record: Mapping[str, Any]) -> list[str]:
    """Lines where the turnout block disagrees with the ballots and the election."""
    meta, turnout = record["election"], record["turnout"]
    problems = []
    # Invalid ballots count for turnout too: every receipt is a ballot cast.
    cast = len(record["ballots"]) + int(record.get("counts", {}).get("invalid", 0))
    if turnout["ballots"] != cast:
        problems.append(f"turnout says {turnout['ballots']} ballots, the record holds {cast}")
    if turnout["roll_size"] != meta["roll_size"]:
        problems.append("turnout and election disagree on the roll size")
    if turnout["threshold_percent"] != meta["turnout_threshold_percent"]:
        problems.append("turnout and election disagree on the turnout threshold")
    if isinstance(meta["roll_size"], int) and meta["roll_size"] > 0:
        figures = Turnout(cast, meta["roll_size"], Fraction(meta["turnout_threshold_percent"]))
        if turnout["percent"] != str(figures.percent):
            problems.append(
                f"turnout says {turnout['percent']} percent, the ballots give {figures.percent}"
            )
        if turnout["threshold_met"] is not figures.threshold_met:
            problems.append(
                f"turnout says threshold met is {turnout['threshold_met']}, "
                f"it is {figures.threshold_met}"
            )
        if turnout["valid"] and not figures.threshold_met:
            problems.append("the result is marked valid although the threshold was not met")
    if turnout["binding"] and not (meta["binding"] and turnout["valid"]):
        problems.append(
            "the result is marked binding, but the election is not binding or not valid"
        )
    return problems


def compare_results(certified: Mapping[str, Any], recounted: Result) -> list[str]:
    """Lines where a recount differs from the certified ``record["result"]``: method,
    seed, winners, each round, tie breaks. Empty if they agree."""
    # Through JSON so that tuples in details compare equal to the lists read back.
    mine = json.loads(json.dumps(recounted.to_dict()))
    problems = []
    if mine["winners"] != certified.get("winners"):
        problems.append(
            f"recount gives winners {mine['winners']} but the record says "
            f"{certified.get('winners')}"
        )
    for name in ("method", "seats", "seed"):
        if mine[name] != certified.get(name):
            problems.append(
                f"recount used {name} {mine[name]!r}, the record says {certified.get(name)!r}"
            )
    theirs = certified.get("rounds", [])
    if len(mine["rounds"]) != len(theirs):
        problems.append(f"recount has {len(mine['rounds'])} rounds, the record has {len(theirs)}")
    for ours, cert in zip(mine["rounds"], theirs, strict=False):
        if ours != cert:
            problems.append(f"round {ours['number']} differs: {_first_difference(cert, ours)}")
    if mine["tie_breaks"] != certified.get("tie_breaks"):
        problems.append("recount breaks ties differently from the record")
    if mine["details"] != certified.get("details", {}):
        problems.append("recount details (e.g. money spent) differ from the record")
    return problems


def _first_difference(cert: Any, ours: Any, where: str = "") -> str:
    """Where two JSON values first differ, in words."""
    if isinstance(cert, dict) and isinstance(ours, dict):
        for key in sorted(set(cert) | set(ours), key=str):
            if cert.get(key) != ours.get(key):
                return _first_difference(cert.get(key), ours.get(key), f"{where}.{key}".lstrip("."))
    if isinstance(cert, list) and isinstance(ours, list) and len(cert) == len(ours):
        for i, (a, b) in enumerate(zip(cert, ours, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
    return f"{where or 'value'} is {ours!r} in the recount, {cert!r} in the record"


# The checks that need nothing but the record itself, by name, in the order
# ``tools/verify.py`` reports them (the signature and the recount come on top).
RECORD_CHECKS: tuple[tuple[str, Callable[[Mapping[str, Any]], list[str]]], ...] = (
    ("ballot hashes", check_ballot_hashes),
    ("hash over all ballots", check_ballots_sha256),
    ("receipts unique and sorted", check_receipts),
    ("counts agree (cast = receipts = online + paper)", check_counts),
    ("turnout", check_turnout),
)
