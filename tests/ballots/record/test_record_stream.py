"""stream_record writes, group by group and receipt by receipt, exactly the bytes that
build_record + canonical_bytes + write_record give for the same election, and holds
only the distinct ballots while it does."""

from __future__ import annotations

import io
import random
import tracemalloc
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.errors import RecordError
from ballots.methods import count
from ballots.model import Option, Profile
from ballots.record import (
    build_record,
    canonical_bytes,
    profile_from_record,
    record_sha256,
    write_record,
)
from ballots.record.stream import StreamedRecord, stream_record

IDS = ["a", "b", "é€", 'q"\\', "z"]
OPTIONS = [Option(i, f"Plan {i}", 10 + n) for n, i in enumerate(IDS)]
SIGNATURE = {"algorithm": "Ed25519", "public_key": "cGs=", "key_fingerprint": "f0", "value": "dg=="}


def meta(ballot_type: str, rule: str, **extra: Any) -> dict[str, Any]:
    """Election metadata for a record of ``ballot_type`` counted with ``rule``."""
    return {
        "title": "Plein – €",
        "kind": "budget" if rule in ("greedy", "mes") else "referendum",
        "ballot_type": ballot_type,
        "rule": rule,
        "options": OPTIONS,
        "roll_size": 10_000,
        "tie_break_seed": "seed",
        "turnout_threshold_percent": 1,
        "budget": 40 if rule in ("greedy", "mes") else None,
        **extra,
    }


def both(
    election: dict[str, Any],
    ballots: list[Any],
    receipts: list[str],
    counts: dict[str, int] | None = None,
    groups: list[tuple[Any, int]] | None = None,
) -> tuple[dict[str, Any], StreamedRecord, bytes, bytes]:
    """The record built in memory, and what stream_record wrote for the same election
    (its ballots given as ``groups``, default one group per ballot)."""
    kind = election["ballot_type"]
    if kind == "points":
        profile = Profile.build_weighted(
            kind, OPTIONS, ballots, budget=election["budget"], max_points=election["max_points"]
        )
    else:
        profile = Profile.build(kind, OPTIONS, ballots, budget=election.get("budget"))
    result = count(profile, election["rule"], seed="seed")
    record = build_record(
        election=election,
        ballots=ballots,
        receipts=receipts,
        result=result,
        turnout={},
        counts=counts,
    )
    canonical, published = io.BytesIO(), io.BytesIO()
    streamed = stream_record(
        election=election,
        ballot_groups=groups if groups is not None else [(b, 1) for b in ballots],
        receipts=sorted(receipts),
        result=result,
        turnout={},
        counts=counts,
        canonical=canonical,
        published=published,
    )
    streamed.finish(published, SIGNATURE)
    return record, streamed, canonical.getvalue(), published.getvalue()


def check_same(record: dict[str, Any], streamed: StreamedRecord, canon: bytes, text: bytes) -> None:
    assert canon == canonical_bytes(record)
    assert streamed.sha256 == record_sha256(record)
    assert streamed.canonical_bytes == len(canon)
    assert text.decode("utf-8") == write_record({**record, "signature": SIGNATURE})
    assert streamed.head == {k: v for k, v in record.items() if k not in ("ballots", "receipts")}
    assert streamed.profile == profile_from_record(record)
    assert streamed.receipts == len(record["receipts"])
    naming = Counter({o.id: 0 for o in OPTIONS})
    firsts = Counter({o.id: 0 for o in OPTIONS})
    for ballot in record["ballots"]:
        naming.update(set(ballot["choices"]))
        if ballot["choices"]:
            firsts[ballot["choices"][0]] += 1
    assert streamed.votes_per_option == dict(naming)
    assert streamed.first_preferences == dict(firsts)


RECEIPT = st.text(alphabet="AB-é€9", min_size=1, max_size=5)
RANKED = st.lists(st.permutations(IDS).map(lambda p: p[:3]) | st.just([]), max_size=12)


@settings(max_examples=60, deadline=None)
@given(RANKED.map(lambda bs: [list(b) for b in bs]), st.data())
def test_ranked_records_are_the_same_bytes(ballots: list[list[str]], data: Any) -> None:
    receipts = data.draw(
        st.lists(RECEIPT, min_size=len(ballots), max_size=len(ballots), unique=True)
    )
    check_same(*both(meta("ranked", "irv"), ballots, receipts))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sets(st.sampled_from(IDS), max_size=3), max_size=12), st.integers(0, 2))
def test_approval_records_with_invalid_ballots_are_the_same_bytes(
    ballots: list[set[str]], invalid: int
) -> None:
    # the same ballot in another order is one ballot: the stream merges its groups
    choices = [sorted(b, reverse=bool(n % 2)) for n, b in enumerate(ballots)]
    receipts = [f"R{n:03d}" for n in range(len(choices) + invalid)]
    counts = {"invalid": invalid, "paper": invalid}
    check_same(*both(meta("approval", "greedy", budget=40), choices, receipts, counts))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(IDS), st.integers(0, 3), max_size=3).filter(
            lambda b: sum(b.values()) <= 5
        ),
        max_size=10,
    )
)
def test_points_records_are_the_same_bytes(ballots: list[dict[str, int]]) -> None:
    receipts = [f"K-{n}" for n in range(len(ballots))]
    check_same(*both(meta("points", "greedy", budget=40, max_points=5), ballots, receipts))


def test_groups_give_the_record_of_their_ballots() -> None:
    ballots = [["a", "b"]] * 3 + [["b"]] * 2 + [[]]
    groups = [(["b"], 1), (["a", "b"], 3), ([], 1), (["b"], 1)]
    record, streamed, canon, text = both(
        meta("ranked", "irv"), ballots, [f"R{n}" for n in range(6)], groups=groups
    )
    check_same(record, streamed, canon, text)


def test_an_error_names_the_first_copy_of_a_bad_ballot_by_its_place() -> None:
    election = meta("ranked", "irv")
    result = count(Profile.build("ranked", OPTIONS, [["a"]]), "irv", seed="seed")
    with pytest.raises(ValueError, match="ballot 4"):
        stream_record(
            election=election,
            ballot_groups=[(["a"], 3), (["a", "nope"], 2)],
            receipts=[f"R{n}" for n in range(5)],
            result=result,
            turnout={},
            canonical=io.BytesIO(),
            published=io.BytesIO(),
        )


@pytest.mark.parametrize(
    ("receipts", "code"),
    [
        (["R1", "R3", "R2"], "receipts_unsorted"),
        (["R1", "R1", "R2"], "receipt_twice"),
        (["R1", "R2"], "receipts_disagree"),
    ],
)
def test_receipts_must_come_sorted_unique_and_one_per_ballot(
    receipts: list[str], code: str
) -> None:
    result = count(Profile.build("ranked", OPTIONS, [["a"]]), "irv", seed="seed")
    with pytest.raises(RecordError) as raised:
        stream_record(
            election=meta("ranked", "irv"),
            ballot_groups=[(["a"], 3)],
            receipts=receipts,
            result=result,
            turnout={},
            canonical=io.BytesIO(),
            published=io.BytesIO(),
        )
    assert raised.value.code == code


class _Sink(io.RawIOBase):
    """A file that keeps nothing: what is written is only counted."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


def _peak_streaming(number: int) -> tuple[int, int]:
    """Peak traced memory of streaming a record of ``number`` ranked ballots (of a few
    hundred distinct ones) into files that keep nothing, and the bytes written."""
    rng = random.Random(number)
    lines = [rng.sample(IDS, 3)[: rng.randint(1, 3)] for _ in range(300)]
    groups = Counter(tuple(rng.choice(lines)) for _ in range(number))
    result = count(Profile.build("ranked", OPTIONS, [["a"]]), "irv", seed="seed")
    receipts = (f"{n:012d}" for n in range(number))  # sorted, made one at a time
    canonical, published = _Sink(), _Sink()
    tracemalloc.start()
    try:
        stream_record(
            election=meta("ranked", "irv", roll_size=number),
            ballot_groups=[(list(k), n) for k, n in groups.items()],
            receipts=receipts,
            result=result,
            turnout={},
            canonical=canonical,  # type: ignore[arg-type]
            published=published,  # type: ignore[arg-type]
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, canonical.size + published.size


def test_memory_stays_flat_as_the_record_grows() -> None:
    # Ten times the ballots: ten times the bytes written, but not ten times the memory.
    small_peak, small_bytes = _peak_streaming(10_000)
    large_peak, large_bytes = _peak_streaming(100_000)
    assert large_bytes > 9 * small_bytes
    assert large_peak < 1.5 * small_peak
    assert large_peak < large_bytes / 10
