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

import codecs
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import Integer, func, literal_column, select, true, update
from sqlalchemy import column as sql_column
from sqlalchemy import text as text_clause
from sqlalchemy.orm import Session

from ballots.record import record_sha256
from ballots.record.exchange import exchange_file
from ballots.record.stream import StreamedRecord
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


def summary_of_streamed(signed: dict[str, Any], streamed: StreamedRecord) -> dict[str, Any]:
    """:func:`summary_of` the signed record that
    :func:`~ballots.record.stream.stream_record` wrote (``signed``: its head with the
    signature), from the figures it worked out on the way."""
    summary = {k: v for k, v in signed.items() if k not in ("ballots", "receipts")}
    summary[FIGURES] = {
        "votes_per_option": streamed.votes_per_option,
        "first_preferences": streamed.first_preferences,
        "receipts": streamed.receipts,
        "sha256": streamed.sha256,
    }
    return summary


def publish_summary(
    session: Session,
    election: Election,
    summary: dict[str, Any],
    *,
    record_bytes: int,
    exchange: tuple[str, str],
) -> None:
    """Store the published form of ``election`` from its ``summary`` (:func:`summary_of`),
    the size of the record as served and its ballots as an exchange file
    (``(ext, text)``); the caller commits, with the certification."""
    ext, ballots = exchange
    session.merge(
        PublishedResult(
            election_id=election.id,
            summary_json=json.dumps(summary, sort_keys=True, ensure_ascii=False),
            record_sha256=summary[FIGURES]["sha256"],
            record_bytes=record_bytes,
            ballots_ext=ext,
            ballots_bytes=utf8_length(ballots),
            ballots_text=ballots,
        )
    )


def store_record_text(
    session: Session,
    election: Election,
    text: BinaryIO,
    size: int,
    *,
    certified_at: datetime,
) -> bool:
    """Store the record in ``text`` (``size`` bytes of UTF-8, read from where it is) as
    ``election``'s ``record_json`` with its ``certified_at``, if the election is still
    counted and holds no record (of two clerks certifying at once, exactly one does).
    True if it did; the caller commits.

    The record goes to the database in slices: the process never holds it (a million
    ballots make 150 MB) as one string, nor the driver a copy of it. On PostgreSQL the
    slices go into a temporary table and the server joins them into the row; SQLite,
    which would build any TEXT value whole in memory (twice), gets a zero-filled BLOB
    of the right size that the slices are written into (read back as text:
    voting.models.RecordText).
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return _store_in_blob(connection, election, text, size, certified_at)
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE record_slices (seq INTEGER PRIMARY KEY, part TEXT NOT NULL) "
        "ON COMMIT DROP"
    )
    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        seq = 0
        while True:
            chunk = text.read(SLICE_BYTES)
            part = decoder.decode(chunk, final=not chunk)
            if part:
                seq += 1
                connection.execute(_SLICE_INSERT, {"seq": seq, "part": part})
            if not chunk:
                break
        done = connection.execute(
            _unrecorded(election)
            .values(
                record_json=literal_column(
                    "(SELECT string_agg(part, '' ORDER BY seq) FROM record_slices)"
                ),
                certified_at=certified_at,
            )
            .execution_options(synchronize_session=False)
        )
        return done.rowcount == 1
    finally:
        connection.exec_driver_sql("DROP TABLE IF EXISTS record_slices")


def _unrecorded(election: Election) -> Any:
    """An UPDATE of ``election``'s row that only happens while it is counted and holds
    no record."""
    return update(Election).where(
        Election.id == election.id,
        Election.phase == "counted",
        Election.record_json.is_(None),
    )


def _store_in_blob(
    connection: Any, election: Election, text: BinaryIO, size: int, certified_at: datetime
) -> bool:
    done = connection.execute(
        _unrecorded(election)
        .values(record_json=func.zeroblob(size), certified_at=certified_at)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    if size:
        rowid = connection.exec_driver_sql(
            "SELECT rowid FROM elections WHERE id = ?", (election.id,)
        ).scalar_one()
        raw = connection.connection.driver_connection
        with raw.blobopen("elections", "record_json", rowid) as blob:
            while chunk := text.read(SLICE_BYTES):
                blob.write(chunk)
    return True


_SLICE_INSERT = text_clause("INSERT INTO record_slices (seq, part) VALUES (:seq, :part)")
# Bytes of a record sent to the database at a time by store_record_text.
SLICE_BYTES = 4 << 20


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
    """The text in ``column`` of the row ``where`` selects, as UTF-8 in slices, only one
    slice in memory at a time. Closes ``session`` at the end (it outlives the request
    that started it).

    The value is read once, front to back: on SQLite through blob I/O on the row, on
    PostgreSQL by one query that turns it into UTF-8 bytes once and hands them out a
    slice per row from a server-side cursor. A ``substr`` per slice (what other
    databases get) reads the value from its start every time: for a record of a
    million ballots that took 50 s on SQLite and 207 s on PostgreSQL."""
    try:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            yield from _sqlite_slices(connection, column, where)
        elif connection.dialect.name == "postgresql":
            yield from _postgres_slices(connection, column, where)
        else:
            yield from _substr_slices(session, column, where, total_chars)
    finally:
        session.close()


def _sqlite_slices(connection: Any, column: Any, where: Any) -> Iterator[bytes]:
    stored = column.property.columns[0]
    rowid = connection.execute(
        select(literal_column("rowid")).select_from(stored.table).where(where)
    ).scalar()
    if rowid is None:
        return
    raw = connection.connection.driver_connection
    try:
        blob = raw.blobopen(stored.table.name, stored.name, rowid, readonly=True)
    except sqlite3.OperationalError:  # NULL: nothing to send
        return
    with blob:
        while part := blob.read(SLICE_BYTES):
            yield part


def _postgres_slices(connection: Any, column: Any, where: Any) -> Iterator[bytes]:
    stored = column.property.columns[0]
    # MATERIALIZED: the value is fetched and converted once, not once per slice.
    whole = (
        select(func.convert_to(stored, "UTF8").label("b"))
        .where(where)
        .cte("whole")
        .prefix_with("MATERIALIZED")
    )
    numbers = (
        func.generate_series(0, (func.octet_length(whole.c.b, type_=Integer) - 1) // SLICE_BYTES)
        .table_valued(sql_column("n", Integer))
        .render_derived()
    )
    query = (
        select(func.substring(whole.c.b, numbers.c.n * SLICE_BYTES + 1, SLICE_BYTES))
        .select_from(whole)
        .join(numbers, true())
        .order_by(numbers.c.n)
    )
    rows = connection.execution_options(yield_per=1).execute(query)
    try:
        for (part,) in rows:
            if part:
                yield bytes(part)
    finally:
        # also when the download is broken off: the server-side cursor must close
        rows.close()


def _substr_slices(
    session: Session, column: Any, where: Any, total_chars: int | None
) -> Iterator[bytes]:
    if total_chars is None:
        total_chars = int(session.scalar(select(func.length(column)).where(where)) or 0)
    start = 1
    while start <= total_chars:
        part = session.scalar(select(func.substr(column, start, SLICE_CHARS)).where(where))
        if not part:
            break
        yield part if isinstance(part, bytes) else part.encode("utf-8")
        start += SLICE_CHARS


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
