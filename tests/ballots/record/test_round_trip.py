"""Every registered rule survives the record's round trip: build -> canonical bytes ->
published text -> read -> every check -> recount equal to the certified result; and
its ballots survive the exchange file (.pb or BLT) read back by the format readers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ballots.formats.blt import read_blt
from ballots.formats.pabulib import read_pb
from ballots.methods import RULES, count, from_pabulib
from ballots.model import BallotKind, Option, Profile
from ballots.record import (
    RECORD_CHECKS,
    build_record,
    canonical_bytes,
    compare_results,
    read_record,
    recount_record,
    write_record,
)
from ballots.record.exchange import exchange_file, seats_from_pb

SEED = "rondgang"
RANKED = [list("ABC")] * 5 + [list("BCA")] * 3 + [list("CAB")] * 2 + [list("ACB"), list("BAC")]
SUBSETS = [["A", "C"], ["B"], ["B", "C"], ["A"], ["C"], ["D"], ["A", "B"], ["C", "D"]]
# Splits of 100 over three themes (a blank one too): the median and the mean differ.
SPLITS = [{"A": 60, "B": 40}, {"A": 20, "B": 30, "C": 50}, {"C": 100}, {}, {"A": 50, "C": 50}]


def election_for(name: str) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """Election metadata and ``(receipt, choices)`` ballots suited to rule ``name``
    (``choices`` a mapping option -> amount for split ballots)."""
    rule = RULES[name]
    kind = rule.ballot_kinds[0]
    costs = {"A": 30, "B": 25, "C": 20, "D": 10}
    ballots: list[Any]
    if kind is BallotKind.DISTRIBUTION:
        ballots = SPLITS
    elif kind is BallotKind.RANKED:
        ballots = RANKED
    elif kind is BallotKind.SINGLE:
        ballots = [b[:1] for b in RANKED]
    else:
        ballots = SUBSETS
    letters = "ABCD" if kind in (BallotKind.APPROVAL, BallotKind.BUDGET) else "ABC"
    meta: dict[str, Any] = {
        "title": f"Rondgang {name}",
        "kind": "budget" if rule.budget else "referendum",
        "ballot_type": kind.value,
        "rule": name,
        "seats": 2 if rule.uses_seats else 1,
        "budget": 60 if rule.budget else 100 if rule.splits else None,
        "options": [Option(c, f"Plan {c}", costs[c] if rule.budget else 0) for c in letters],
        "roll_size": 20,
        "tie_break_seed": SEED,
        "turnout_threshold_percent": 25,
        "binding": True,
        "voting_closes": "2026-03-14T21:00:00+00:00",
    }
    copy = dict if kind is BallotKind.DISTRIBUTION else list
    return meta, [(f"R{i:03d}", copy(b)) for i, b in enumerate(ballots)]


def build(meta: dict[str, Any], ballots: list[tuple[str, Any]], result: Any) -> Any:
    """The record of ``ballots``: their choices, and their receipts as a list apart."""
    return build_record(
        election=meta,
        ballots=[c for _, c in ballots],
        receipts=[r for r, _ in ballots],
        result=result,
        turnout={},
    )


def counted(meta: dict[str, Any], ballots: list[tuple[str, Any]]) -> Any:
    build = Profile.build_weighted if meta["ballot_type"] == "distribution" else Profile.build
    profile = build(
        meta["ballot_type"], meta["options"], [c for _, c in ballots], budget=meta["budget"]
    )
    return count(profile, meta["rule"], seats=meta["seats"], seed=SEED)


@pytest.mark.parametrize("name", sorted(RULES))
def test_record_round_trip(name: str) -> None:
    meta, ballots = election_for(name)
    result = counted(meta, ballots)
    record = build(meta, ballots, result)
    # The canonical bytes are plain JSON: sorted keys, no whitespace, UTF-8.
    raw = canonical_bytes(record)
    assert json.loads(raw) == json.loads(json.dumps(record))
    compact = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert raw == compact.encode("utf-8")
    text = write_record(record)
    read = read_record("rondgang.json", text=text)
    assert canonical_bytes(read) == raw
    for what, check in RECORD_CHECKS:
        assert check(read) == [], what
    recounted = recount_record(read)
    assert compare_results(read["result"], recounted) == []
    assert recounted.winners == result.winners and recounted.method == name
    assert type(result).from_dict(read["result"]) == recounted


@pytest.mark.parametrize("name", sorted(RULES))
def test_exchange_file_reads_back_to_the_same_count(name: str) -> None:
    meta, ballots = election_for(name)
    record = build(meta, ballots, counted(meta, ballots))
    ext, text = exchange_file(json.loads(write_record(record)))
    winners = record["result"]["winners"]
    if ext == "csv":
        # split ballots: one row per ballot, one column per theme, in option order
        header, *rows = text.splitlines()
        assert header.split(",") == ["A", "B", "C"]
        again = sorted(
            sorted((k, int(v)) for k, v in zip("ABC", row.split(","), strict=True) if v != "0")
            for row in rows
        )
        assert again == sorted(sorted(c.items()) for _, c in ballots)
    elif ext == "pb":
        pb = read_pb("x.pb", text=text)
        named = from_pabulib(pb.meta["rule"])
        assert named is not None and named.name == name
        seats = seats_from_pb(name, pb.budget)
        assert seats == record["result"]["seats"]
        again = count(pb.profile, name, seats=seats, seed=SEED)
        assert list(again.winners) == winners
    else:
        assert not RULES[name].budget and RULES[name].pabulib is None
        blt = read_blt("x.blt", text=text)
        again = count(blt.profile, name, seats=blt.seats, seed=SEED)
        assert [blt.candidates[int(w) - 1] for w in again.winners] == [f"Plan {w}" for w in winners]
