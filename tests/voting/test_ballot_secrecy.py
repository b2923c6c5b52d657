"""The insider's joins, tried on SQLite and PostgreSQL: 40 residents vote over HTTP,
then someone who reads every table and every system column (``xmin``/``ctid`` on
PostgreSQL, ``rowid`` on SQLite), the physical order, the ids, the audit log and the
timestamps tries to tie a ballot to a code, a voter or a moment -- during voting and
after the box is opened. The ballots differ from each other, so any link would show."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.box_shares import BOX_SHARES
from tests.voting.box_support import sealed_table_pages
from tests.voting.vote.support import add_codes, receipt_on, vote
from voting import sealing
from voting.models import Election, StaffUser

VOTERS = 40
OPTIONS = ["A", "B", "C", "D", "E", "F"]


def distinct_ballots(count: int) -> list[list[str]]:
    """``count`` different approval ballots (non-empty subsets of the options)."""
    subsets = [
        list(c)
        for size in range(1, len(OPTIONS) + 1)
        for c in itertools.combinations(OPTIONS, size)
    ]
    return subsets[:count]


def spearman(order: list[int]) -> float:
    """Rank correlation of positions 0..n-1 with ``order`` (a permutation)."""
    n = len(order)
    d2 = sum((i - v) ** 2 for i, v in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def rows(session: Session, sql: str) -> list[tuple[object, ...]]:
    result = [tuple(r) for r in session.execute(text(sql)).all()]
    session.commit()
    return result


def physical(session: Session, table: str, columns: str) -> list[tuple[object, ...]]:
    """Rows of ``table`` in the order they sit on disk, with their system columns."""
    if session.get_bind().dialect.name == "postgresql":
        return rows(session, f"SELECT xmin::text, ctid::text, {columns} FROM {table} ORDER BY ctid")
    return rows(session, f"SELECT rowid, rowid, {columns} FROM {table} ORDER BY rowid")


def test_no_database_path_from_a_ballot_to_a_code_a_voter_or_a_moment(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    make_election: Callable[..., Election],
    login: Callable[..., StaffUser],
) -> None:
    election = make_election(options=OPTIONS, ballot_type="approval", rule="approval")
    codes = add_codes(db_session, election, VOTERS)
    cast = distinct_ballots(VOTERS)
    receipts = []
    for code, choices in zip(codes, cast, strict=True):
        voter = app.test_client()
        assert vote(voter, election, code, {"choice": choices}).status_code == 303
        receipts.append(receipt_on(voter.get("/stem/bewijs").get_data(as_text=True)))
    postgres = db_session.get_bind().dialect.name == "postgresql"

    # --- during voting ----------------------------------------------------------------
    assert rows(db_session, "SELECT count(*) FROM ballots") == [(0,)]
    sealed = physical(db_session, "sealed_ballots", "id, election_id, sealed")
    assert len(sealed) == VOTERS
    ciphertexts = [str(row[4]) for row in sealed]
    # Every sealed row is the same size (padding), and none holds readable choices.
    assert len({len(c) for c in ciphertexts}) == 1
    for value in ciphertexts:
        raw = base64.b64decode(value)
        assert b'"c"' not in raw and not any(f'"{o}"'.encode() in raw for o in OPTIONS)
    if postgres:
        # The join the issue found still pairs a sealed row with its code ...
        joined = rows(
            db_session,
            "SELECT s.sealed, r.voter_key FROM sealed_ballots s JOIN voting_codes v "
            "ON v.xmin = s.xmin JOIN roll_entries r ON r.id = v.roll_entry_id",
        )
        assert len(joined) == VOTERS
        # ... but what it finds does not open without the key holders' shares.
        wrong = sealing.new_box_key().private
        for value, _voter in joined:
            try:
                sealing.unseal(wrong, str(value), context=f"buurtstem-ballot:{election.id}")
            except sealing.SealError:
                continue
            raise AssertionError("a sealed ballot opened without the box key")
    # The private key is nowhere in the database.
    public = bytes.fromhex(election.box_public_key or "")
    private = sealing.combine_shares(BOX_SHARES[election.id], public)
    dump = json.dumps([rows(db_session, f"SELECT * FROM {t}") for t in TABLES], default=str)
    for spelling in (private.hex(), private.hex().upper(), base64.b64encode(private).decode()):
        assert spelling not in dump
    # No time finer than a day on a used code; the receipts carry no time at all.
    for (used_at,) in rows(db_session, "SELECT used_at FROM voting_codes"):
        assert str(used_at).split(" ")[-1].startswith("00:00:00")
    assert {c for (c,) in rows(db_session, "SELECT count(*) FROM receipts")} == {VOTERS}

    # --- the key holders open the box after closing ---------------------------------
    login("clerk")
    closed = client.post(
        f"/beheer/verkiezing/{election.id}/fase",
        data={"confirm": "ja", "confirm_early": "ja", "to": "closed"},
    )
    assert closed.status_code == 302
    opened = client.post(
        f"/beheer/stembus/{election.id}/openen", data={"share": BOX_SHARES[election.id]}
    )
    assert opened.status_code == 302
    page = client.get(opened.location).get_data(as_text=True)
    assert "De stembus is geopend: 40" in page
    # ... and says the sealed rows are gone from the files only once they are.
    assert "ook uit de databasebestanden gewist" in page, page

    # --- after opening ----------------------------------------------------------------
    assert rows(db_session, "SELECT count(*) FROM sealed_ballots") == [(0,)]
    stored = physical(db_session, "ballots", "id, content, invalid")
    assert sorted(json.loads(str(r[3])) for r in stored) == sorted(cast)
    by_disk = [cast.index(json.loads(str(r[3]))) for r in stored]
    by_id = [cast.index(json.loads(str(r[3]))) for r in sorted(stored, key=lambda r: str(r[2]))]
    # |rho| > 0.6 happens by chance about once in 5,000 runs for 40 ballots; the
    # cast order gives rho = 1.
    assert abs(spearman(by_disk)) < 0.6, by_disk
    assert abs(spearman(by_id)) < 0.6, by_id
    if postgres:
        # One transaction wrote them all: xmin is the same for every opened ballot and
        # matches no code or receipt, and of the audit log only the opening itself.
        assert len({r[0] for r in stored}) == 1
        assert rows(
            db_session,
            "SELECT DISTINCT t.action FROM ballots b JOIN audit_events t ON t.xmin = b.xmin",
        ) == [("box.open",)]
        for table in ("voting_codes", "receipts"):
            assert rows(
                db_session, f"SELECT count(*) FROM ballots b JOIN {table} t ON t.xmin = b.xmin"
            ) == [(0,)]
        _assert_gone_from_postgres_files(db_session, ciphertexts)
    else:
        # VACUUM rewrote the file: not even deleted sealed rows remain to be opened
        # with the shares later and paired with a code by their position.
        files = Path(str(db_session.get_bind().url.database))
        data = files.read_bytes() + _wal(files)
        assert not any(c[:40].encode() in data for c in ciphertexts)
    # Nothing in a ballot row refers to a receipt, a code, a channel or a time.
    ballot_columns = {r[1] for r in _columns(db_session, "ballots")}
    assert ballot_columns == {"id", "election_id", "content", "invalid"}
    # The audit log names the opening, never a ballot.
    audit = json.dumps(rows(db_session, "SELECT * FROM audit_events"), default=str)
    assert not any(str(r[2]) in audit for r in stored)
    assert not any(receipt in audit for receipt in receipts)


TABLES = (
    "elections",
    "options",
    "roll_entries",
    "voting_codes",
    "sealed_ballots",
    "receipts",
    "audit_events",
    "staff_users",
    "ballots",
)


def _columns(session: Session, table: str) -> list[tuple[object, ...]]:
    if session.get_bind().dialect.name == "postgresql":
        return [
            (i, name)
            for i, (name,) in enumerate(
                rows(
                    session,
                    "SELECT column_name FROM information_schema.columns "
                    f"WHERE table_name = '{table}'",
                )
            )
        ]
    return [(r[0], r[1]) for r in rows(session, f"PRAGMA table_info({table})")]


def _wal(database: Path) -> bytes:
    wal = database.with_name(database.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def _assert_gone_from_postgres_files(session: Session, ciphertexts: list[str]) -> None:
    """The sealed table's pages (dead rows included, as the buffer cache has them:
    the file on disk lags until a checkpoint) hold none of the ciphertexts; else its
    file on disk; skipped where the role may read neither."""
    pages = sealed_table_pages(session)
    if pages is not None:
        assert not any(c[:40].encode() in pages for c in ciphertexts)
        return
    try:
        data = session.execute(
            text("SELECT pg_read_binary_file(pg_relation_filepath('sealed_ballots'))")
        ).scalar_one()
    except Exception:
        session.rollback()
        return
    session.commit()
    assert not any(c[:40].encode() in bytes(data) for c in ciphertexts)
