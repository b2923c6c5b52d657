"""A certified result, worked out once and served from storage.

At certification (:func:`publish`, in the same transaction as the signed record) we
store what the public pages need in ``published_results``: the record without its
ballots and receipts, the per-option figures the charts and the CSV show, the
record's SHA-256 and size, and the ballots as a BLT or ``.pb`` file. A results page
then reads a few kilobytes; the downloads stream the stored texts in slices
(:func:`stream_text`), so a record of a million ballots never sits in a worker's
memory; the receipt check is one indexed look-up in ``receipts``.

Every public answer carries an ETag made from the record's hash (:func:`etag`): the
record never changes after certification, so a browser or a cache that has it gets
``304 Not Modified`` without the app reading anything large.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ballots.record import record_sha256
from ballots.record.exchange import exchange_file
from voting.models import Election, PublishedResult, Receipt

# Slices of the stored texts a download sends at a time: big enough that a 100 MB
# record takes a hundred queries, small enough that a worker holds one megabyte.
SLICE_CHARS = 1 << 20
# The key of the precomputed figures inside a summary (a record has no such field).
FIGURES = "published"


def tallies(record: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per option: how many ballots name it anywhere, and how many rank it first."""
    options = [o["id"] for o in record["election"]["options"]]
    naming: Counter[str] = Counter({o: 0 for o in options})
    first: Counter[str] = Counter({o: 0 for o in options})
    for ballot in record["ballots"]:
        choices = ballot["choices"]
        naming.update(set(choices))
        if choices:
            first[choices[0]] += 1
    return {"votes_per_option": dict(naming), "first_preferences": dict(first)}


def summary_of(record: dict[str, Any], sha256: str | None = None) -> dict[str, Any]:
    """The record as the public pages use it: every field but the ballots and the
    receipts, plus (under ``published``) the figures worked out from them and the
    record's hash (``sha256`` when the caller has it already: hashing a record of a
    million ballots takes seconds)."""
    summary = {k: v for k, v in record.items() if k not in ("ballots", "receipts")}
    summary[FIGURES] = {
        **tallies(record),
        "receipts": len(record.get("receipts", ())),
        "sha256": sha256 or record_sha256(record),
    }
    return summary


def utf8_length(text: str) -> int:
    """The length of ``text`` in UTF-8, counted in slices: a record of a million
    ballots is not copied whole into bytes just to be measured."""
    if text.isascii():
        return len(text)
    return sum(
        len(text[i : i + SLICE_CHARS].encode("utf-8")) for i in range(0, len(text), SLICE_CHARS)
    )


def publish(
    session: Session,
    election: Election,
    record: dict[str, Any],
    text: str,
    *,
    sha256: str | None = None,
) -> None:
    """Store the published form of ``election``'s signed ``record`` (its text as
    served is ``text``, its :func:`~ballots.record.record_sha256` ``sha256`` if known);
    the caller commits, with the certification."""
    summary = summary_of(record, sha256)
    ext, ballots = exchange_file(record)
    session.merge(
        PublishedResult(
            election_id=election.id,
            summary_json=json.dumps(summary, sort_keys=True, ensure_ascii=False),
            record_sha256=summary[FIGURES]["sha256"],
            record_bytes=utf8_length(text),
            ballots_ext=ext,
            ballots_bytes=utf8_length(ballots),
            ballots_text=ballots,
        )
    )


def published(session: Session, election: Election) -> PublishedResult | None:
    """The published form of a certified election; None before certification. An
    election certified before published results existed gets its row now, once."""
    if election.phase != "certified":
        return None
    row = session.get(PublishedResult, election.id)
    if row is not None:
        return row
    if not election.record_json:
        return None
    publish(session, election, json.loads(election.record_json), election.record_json)
    session.commit()
    return session.get(PublishedResult, election.id)


def summary(row: PublishedResult) -> dict[str, Any]:
    """The stored summary as a dict (what :func:`voting.results.view.result_view` reads)."""
    return dict(json.loads(row.summary_json))


def etag(row: PublishedResult, *parts: str) -> str:
    """A strong ETag for one public answer about this result: the record's hash plus
    whatever else the answer depends on (the language of a page, the kind of file)."""
    return "-".join([row.record_sha256[:32], *parts])


def stream_text(
    session: Session, column: Any, where: Any, total_chars: int | None = None
) -> Iterator[bytes]:
    """The text in ``column`` of the row ``where`` selects, as UTF-8 in slices of
    :data:`SLICE_CHARS` characters, each read with ``substr`` so only one slice is in
    memory. Closes ``session`` at the end (it outlives the request that started it)."""
    try:
        if total_chars is None:
            total_chars = int(session.scalar(select(func.length(column)).where(where)) or 0)
        start = 1
        while start <= total_chars:
            part = session.scalar(select(func.substr(column, start, SLICE_CHARS)).where(where))
            if not part:
                break
            yield part.encode("utf-8")
            start += SLICE_CHARS
    finally:
        session.close()


def find_receipt(session: Session, election: Election, normalised: str) -> str | None:
    """The receipt of ``election`` that reads ``normalised`` (upper case, no dashes or
    spaces, look-alikes mapped), as printed; None if there is none.

    Two look-ups on indexes instead of a walk through every receipt: one receipt of
    the election shows where its receipts have their dashes (``K7QM3-XD9PA``), the
    typed text gets the same dashes, and the primary key of ``receipts`` finds it."""
    if not normalised:
        return None
    example = session.scalar(
        select(Receipt.receipt).where(Receipt.election_id == election.id).limit(1)
    )
    if example is None or len(example.replace("-", "")) != len(normalised):
        return None
    letters = iter(normalised)
    printed = "".join("-" if ch == "-" else next(letters) for ch in example)
    return session.scalar(
        select(Receipt.receipt).where(
            Receipt.election_id == election.id, Receipt.receipt == printed
        )
    )
