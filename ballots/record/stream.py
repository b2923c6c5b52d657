"""Writing a record of any size without holding it: the ballots come in as groups of
identical ballots, the receipts one at a time in order, and both encodings of the
record are written to files as they are made.

:func:`build_record` plus :func:`~ballots.record.canonical.canonical_bytes` and
:func:`~ballots.record.canonical.write_record` hold a record of a million ballots as a
million entries, a million receipts and both of its encodings at once (about a
gigabyte). :func:`stream_record` gives the same bytes while holding only the distinct
ballots: it writes the canonical encoding (what the signature covers, hashed as it
goes) and the published layout side by side, and stops the published layout before
the signature, which :meth:`StreamedRecord.finish` appends once the caller has signed
the canonical file. Both are checked against the in-memory functions byte for byte
(``tests/ballots/test_record_stream.py``).
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import Any, BinaryIO

from ballots.errors import RecordError
from ballots.model import WEIGHTED_KINDS, BallotGroup, BallotKind, Option, Profile, min_spend_of
from ballots.record.build import (
    _counts,
    _election_metadata,
    _turnout,
    ballot_checker,
    check_result_belongs,
    checked_entry,
    stored_form,
)
from ballots.record.canonical import ballot_text
from ballots.record.layout import FORMAT, HASH_PROCEDURE
from ballots.result import Result
from ballots.tiebreak import PROCEDURE

# Copies of one ballot written per call: about a megabyte of text at a time.
_COPIES = 8192


@dataclass
class _Distinct:
    """One distinct ballot: its entry, its texts in both layouts, how often it was cast."""

    text: str
    entry: dict[str, Any]
    count: int = 0


@dataclass
class StreamedRecord:
    """What :func:`stream_record` wrote, and what the caller needs after it: the record
    without its ballots and receipts (``head``), the canonical encoding's SHA-256, the
    ballots as a profile (for the recount and the exchange files) and the per-option
    figures the public pages show."""

    head: dict[str, Any]
    sha256: str
    canonical_bytes: int
    profile: Profile
    receipts: int
    votes_per_option: dict[str, int]
    first_preferences: dict[str, int]
    _tail: list[str] = field(default_factory=list, repr=False)

    def finish(self, published: BinaryIO, signature: Mapping[str, Any] | None) -> int:
        """Write the rest of the published layout (the fields after the receipts, with
        ``signature`` among them if given) to ``published``; returns the bytes written."""
        rest = dict(self.head)
        if signature is not None:
            rest["signature"] = dict(signature)
        text = ",\n".join(_published_field(k, rest[k]) for k in sorted(rest) if k > "receipts")
        data = ((",\n" + text) if text else "").encode("utf-8") + b"\n}\n"
        published.write(data)
        return len(data)


class _Hashed:
    """A binary file that hashes and counts what is written to it."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.out.write(data)
        self.size += len(data)


def stream_record(
    *,
    election: Mapping[str, Any],
    ballot_groups: Iterable[tuple[Sequence[str] | Mapping[str, int], int]],
    receipts: Iterable[str],
    result: Result,
    turnout: Mapping[str, Any],
    counts: Mapping[str, int] | None = None,
    canonical: BinaryIO,
    published: BinaryIO,
) -> StreamedRecord:
    """Write the (unsigned) record :func:`~ballots.record.build_record` would build to
    ``canonical`` (its :func:`~ballots.record.canonical_bytes`) and to ``published``
    (its :func:`~ballots.record.write_record` layout up to the receipts; call
    :meth:`StreamedRecord.finish` with the signature for the rest).

    ``ballot_groups`` gives each ballot with how many times it was cast (the same
    ballot may come in several groups; an error names a ballot by the position of its
    first copy in this order). ``receipts`` must come sorted; they are read once. The
    other arguments and the errors are those of :func:`build_record`; a receipt out of
    order raises ``receipts_unsorted``. On an error the files hold a partial record.
    """
    meta = _election_metadata(election)
    checker = ballot_checker(meta)
    kind, options = checker.kind, checker.options
    distinct = _distinct_ballots(kind, checker, meta["allow_blank"], ballot_groups)
    total = sum(d.count for d in distinct)
    blank = sum(d.count for d in distinct if not d.entry["choices"])
    check_result_belongs(result, meta)
    # The receipts are checked against the ballots cast after they have streamed past:
    # until then the count of receipts is taken to be right.
    tally = _counts(counts or {}, total, blank, None)
    head: dict[str, Any] = {
        "format": FORMAT,
        "election": meta,
        "tie_break_procedure": PROCEDURE,
        "hash_procedure": HASH_PROCEDURE,
        "ballots_sha256": "",
        "receipts_sha256": "",
        "counts": tally,
        "result": result.to_dict(),
        "turnout": _turnout(
            meta, tally["cast"], turnout, threshold_given="turnout_threshold_percent" in election
        ),
    }
    canon = _Hashed(canonical)
    ballots_digest = hashlib.sha256()
    canon.write(b'{"ballots":[')
    published.write(b'{\n "ballots": [' + (b"\n" if distinct else b""))
    first = True
    for ballot in distinct:
        short = _canonical_json(ballot.entry).encode("utf-8")
        line = (
            "  " + json.dumps(ballot.entry, sort_keys=True, ensure_ascii=False, allow_nan=False)
        ).encode("utf-8")
        hashed = ballot.entry["sha256"].encode("utf-8") + b"\n"
        for copies in _batches(ballot.count):
            lead = not first
            first = False
            canon.write((b"," if lead else b"") + short + (b"," + short) * (copies - 1))
            published.write((b",\n" if lead else b"") + line + (b",\n" + line) * (copies - 1))
            ballots_digest.update(hashed * copies)
    head["ballots_sha256"] = ballots_digest.hexdigest()
    canon.write(b"]")
    published.write(b"\n ]" if distinct else b"]")
    before = sorted(k for k in head if k < "receipts")
    for k in before:
        canon.write(b"," + _canonical_json(k).encode("utf-8") + b":")
        canon.write(_canonical_json(head[k]).encode("utf-8"))
        published.write((",\n" + _published_field(k, head[k])).encode("utf-8"))
    number, receipts_digest = _stream_receipts(receipts, canon, published)
    if number != tally["cast"]:
        raise RecordError("receipts_disagree", receipts=number, cast=tally["cast"])
    head["receipts_sha256"] = receipts_digest
    for k in sorted(k for k in head if k > "receipts"):
        canon.write(b"," + _canonical_json(k).encode("utf-8") + b":")
        canon.write(_canonical_json(head[k]).encode("utf-8"))
    canon.write(b"}")
    naming: Counter[str] = Counter({o.id: 0 for o in options})
    firsts: Counter[str] = Counter({o.id: 0 for o in options})
    for ballot in distinct:
        choices = ballot.entry["choices"]
        for choice in set(choices):
            naming[choice] += ballot.count
        if choices:
            firsts[choices[0]] += ballot.count
    return StreamedRecord(
        head=head,
        sha256=canon.digest.hexdigest(),
        canonical_bytes=canon.size,
        profile=_profile(kind, meta, distinct),
        receipts=number,
        votes_per_option=dict(naming),
        first_preferences=dict(firsts),
    )


def _distinct_ballots(
    kind: BallotKind,
    checker: Profile,
    allow_blank: bool,
    groups: Iterable[tuple[Sequence[str] | Mapping[str, int], int]],
) -> list[_Distinct]:
    """The distinct ballots as the record stores them, checked (the first copy of each,
    named by its position), with their counts, in the record's order."""
    distinct: dict[tuple[tuple[str, ...], tuple[int, ...] | None], _Distinct] = {}
    position = 0
    for ballot, copies in groups:
        number = position + 1
        position += copies
        stored, points = stored_form(kind, ballot, number)
        key = (tuple(stored), tuple(points) if points is not None else None)
        known = distinct.get(key)
        if known is None:
            entry = checked_entry(checker, number, stored, points, allow_blank)
            known = distinct[key] = _Distinct(ballot_text(stored, points), entry)
        known.count += copies
    return sorted((d for d in distinct.values() if d.count), key=lambda d: d.text)


def _profile(kind: BallotKind, meta: Mapping[str, Any], distinct: list[_Distinct]) -> Profile:
    """The profile :func:`~ballots.record.profile_from_record` makes of the record:
    one group per distinct ballot, in the record's order."""
    options = tuple(Option(o["id"], o.get("name", ""), o.get("cost", 0)) for o in meta["options"])
    if kind in WEIGHTED_KINDS:
        return Profile(
            kind=kind,
            options=options,
            groups=tuple(
                BallotGroup(tuple(d.entry["choices"]), d.count, tuple(d.entry["points"]))
                for d in distinct
            ),
            budget=meta.get("budget"),
            max_choices=meta.get("max_choices"),
            max_points=meta.get("max_points"),
        )
    return Profile(
        kind=kind,
        options=options,
        groups=tuple(BallotGroup(tuple(d.entry["choices"]), d.count) for d in distinct),
        budget=meta.get("budget"),
        max_choices=meta.get("max_choices"),
        min_choices=meta.get("min_choices"),
        min_spend=(
            min_spend_of(meta.get("budget"), meta["min_spend_percent"])
            if meta.get("min_spend_percent")
            else None
        ),
    )


def _stream_receipts(
    receipts: Iterable[str], canon: _Hashed, published: BinaryIO
) -> tuple[int, str]:
    """Write the receipts in both layouts; returns how many and their hash. They are
    checked and encoded a batch at a time (a million receipts are a million small
    strings: one json.dumps each would take seconds)."""
    digest = hashlib.sha256()
    canon.write(b',"receipts":[')
    published.write(b',\n "receipts": [')
    number = 0
    before: list[str] = []
    source = iter(receipts)
    while batch := list(islice(source, _COPIES)):
        _check_receipts(before + batch)
        # One encoder call per batch; its separators make the two layouts' commas.
        short = json.dumps(batch, ensure_ascii=False, separators=(",", ":"))[1:-1]
        lines = json.dumps(batch, ensure_ascii=False, separators=(",\n  ", ":"))[1:-1]
        lead = number > 0
        canon.write((b"," if lead else b"") + short.encode("utf-8"))
        published.write((b",\n  " if lead else b"\n  ") + lines.encode("utf-8"))
        digest.update(("\n".join(batch) + "\n").encode("utf-8"))
        number += len(batch)
        before = batch[-1:]
    canon.write(b"]")
    published.write(b"\n ]" if number else b"]")
    return number, digest.hexdigest()


def _check_receipts(receipts: list[str]) -> None:
    """Raise for a receipt that is not a non-empty string, or is not after the one
    before it (``receipts`` starts with the last receipt of the batch before)."""
    if set(map(type, receipts)) == {str} and "" not in receipts:
        if all(map(operator.lt, receipts, receipts[1:])):
            return
    else:
        for receipt in receipts:
            if not isinstance(receipt, str) or not receipt:
                raise RecordError("receipt_not_text", receipt=receipt)
    for before, receipt in pairwise(receipts):
        if receipt == before:
            raise RecordError("receipt_twice", receipt=receipt)
        if receipt < before:
            raise RecordError("receipts_unsorted", before=before, receipt=receipt)


def _batches(count: int) -> Iterator[int]:
    while count > 0:
        yield min(count, _COPIES)
        count -= _COPIES


def _canonical_json(value: Any) -> str:
    # as ballots.record.canonical: the encoding the signature covers
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _published_field(key: str, value: Any) -> str:
    """One top-level field as :func:`~ballots.record.write_record` lays it out:
    ``json.dumps(record, indent=1)`` puts it one level in, so every line of the value's
    own indented encoding moves one space right (a JSON string never holds a raw
    newline, so every newline is one of the layout's)."""
    text = json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    return " " + json.dumps(key, ensure_ascii=False) + ": " + text.replace("\n", "\n ")
