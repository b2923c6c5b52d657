"""After the box is opened, its deleted sealed rows must be gone from the database
files even while another connection holds an old snapshot, and when that cannot be
done yet (a transaction is using the sealed table) the clerk is told so, and the
worker finishes the job later: never a silent pass.

Why: ``VACUUM FULL`` keeps "recently dead" rows for any transaction in the same
database whose snapshot is older than the deletion (the flake of the secrecy test
under ``pytest -n 2``); on SQLite an open reader stops the checkpoint that moves the
vacuumed pages out of the write-ahead log."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.orm import Session

from tests.box_shares import BOX_SHARES
from tests.conftest import external_database_url
from tests.voting.box_support import sealed_table_pages
from voting import ballot_box, jobs
from voting.models import Election, StaffUser

postgres_only = pytest.mark.skipif(
    external_database_url() is None,
    reason="PostgreSQL snapshots and table locks; SQLite has its own test below",
)
sqlite_only = pytest.mark.skipif(
    external_database_url() is not None, reason="SQLite's write-ahead log"
)


def fill_box(session: Session, election: Election, count: int = 12) -> list[str]:
    """Seal ``count`` ballots into ``election``'s box, close voting; the ciphertexts."""
    rows = [
        ballot_box.sealed_ballot(election, [["A", "B", "C"][i % 3]], invalid=False)
        for i in range(count)
    ]
    session.add_all(rows)
    election.phase = "closed"
    session.commit()
    return [row.sealed for row in rows]


def open_over_http(client: FlaskClient, election: Election) -> str:
    """The clerk opens the box; the election page they land on."""
    response = client.post(
        f"/beheer/stembus/{election.id}/openen", data={"share": BOX_SHARES[election.id]}
    )
    assert response.status_code == 302
    return client.get(response.location).get_data(as_text=True)


def found_in(data: bytes, ciphertexts: list[str]) -> int:
    """How many of the ciphertexts occur in ``data``."""
    return sum(c[:40].encode() in data for c in ciphertexts)


def postgres_pages(session: Session) -> bytes:
    data = sealed_table_pages(session)
    if data is None:
        pytest.skip("pageinspect needs a superuser to read the sealed table's pages")
    return data


@contextmanager
def snapshot_held(url: str, statement: str = "SELECT 1") -> Iterator[Connection]:
    """A REPEATABLE READ transaction on ``url`` whose snapshot ``statement`` took,
    open for the duration (as a report, a backup or a stuck request would be)."""
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    conn = engine.connect()
    try:
        conn.execute(text(statement))
        yield conn
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()


@postgres_only
@pytest.mark.parametrize("where", ["same database", "other database"])
def test_an_old_snapshot_elsewhere_does_not_keep_the_opened_ballots_on_disk(
    where: str,
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    database_url: str,
    make_election: Callable[..., Election],
    login: Callable[..., StaffUser],
) -> None:
    election = make_election(options=["A", "B", "C"], ballot_type="approval", rule="approval")
    ciphertexts = fill_box(db_session, election)
    login("clerk")
    assert found_in(postgres_pages(db_session), ciphertexts) == len(ciphertexts)
    url = database_url if where == "same database" else str(external_database_url())
    with snapshot_held(url):
        page = open_over_http(client, election)
        # Checked while the snapshot is still held: VACUUM FULL kept all 12 here.
        assert found_in(postgres_pages(db_session), ciphertexts) == 0
    assert "De stembus is geopend: 12" in page
    assert "ook uit de databasebestanden gewist" in page
    db_session.refresh(election)
    assert ballot_box.is_purged(election)


@postgres_only
def test_a_transaction_using_the_sealed_table_is_named_and_the_worker_purges_after_it(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    database_url: str,
    make_election: Callable[..., Election],
    login: Callable[..., StaffUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ballot_box, "PURGE_WAIT_SECONDS", 0.3)
    election = make_election(options=["A", "B", "C"], ballot_type="approval", rule="approval")
    other = make_election(options=["A", "B", "C"], ballot_type="approval", rule="approval")
    ciphertexts = fill_box(db_session, election)
    # Another election still voting: its sealed rows must survive every purge.
    still_sealed = [ballot_box.sealed_ballot(other, ["B"], invalid=False) for _ in range(3)]
    db_session.add_all(still_sealed)
    db_session.commit()
    login("clerk")
    with snapshot_held(database_url, "SELECT count(*) FROM sealed_ballots") as holder:
        pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
        page = open_over_http(client, election)
        assert "De stembus is geopend: 12" in page
        # Not reported as gone: the clerk reads that they are not, and who holds them.
        assert "staan nog in de databasebestanden" in page
        assert f"pid {pid} (idle in transaction" in page
        assert "Nu opnieuw wissen" in page
        assert found_in(postgres_pages(db_session), ciphertexts) == len(ciphertexts)
        # The clerk's button, and the worker, while the transaction lasts: still not.
        retried = client.post(f"/beheer/stembus/{election.id}/wissen", follow_redirects=True)
        assert "staan nog in de databasebestanden" in retried.get_data(as_text=True)
        result = jobs.purge_sealed_if_pending(app)
        assert result is not None and not result.done
        db_session.refresh(election)
        assert not ballot_box.is_purged(election)
    # The transaction ended: the worker's next try removes them.
    result = jobs.purge_sealed_if_pending(app)
    assert result is not None and result.done
    assert found_in(postgres_pages(db_session), ciphertexts) == 0
    db_session.refresh(election)
    assert ballot_box.is_purged(election)
    assert ballot_box.sealed_count(db_session, other) == 3
    assert sorted(
        db_session.execute(text("SELECT sealed FROM sealed_ballots")).scalars()
    ) == sorted(row.sealed for row in still_sealed)
    db_session.commit()
    page = client.get(f"/beheer/verkiezing/{election.id}").get_data(as_text=True)
    assert "ook uit de databasebestanden gewist" in page
    assert "Nu opnieuw wissen" not in page
    assert jobs.purge_sealed_if_pending(app) is None


@postgres_only
def test_a_database_error_while_purging_is_told_not_turned_into_an_error_page(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    make_election: Callable[..., Election],
    login: Callable[..., StaffUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(conn: Connection) -> None:
        conn.exec_driver_sql("SELECT * FROM no_table_of_ours")  # as a missing right would

    monkeypatch.setattr(ballot_box, "_rewrite_sealed_postgresql", refused)
    election = make_election(options=["A", "B", "C"], ballot_type="approval", rule="approval")
    ciphertexts = fill_box(db_session, election)
    login("clerk")
    page = open_over_http(client, election)
    assert "De stembus is geopend: 12" in page
    assert "het wissen gaf een databasefout" in page
    assert "no_table_of_ours" in page
    assert found_in(postgres_pages(db_session), ciphertexts) == len(ciphertexts)
    db_session.refresh(election)
    assert not ballot_box.is_purged(election)
    monkeypatch.undo()
    result = jobs.purge_sealed_if_pending(app)
    assert result is not None and result.done
    assert found_in(postgres_pages(db_session), ciphertexts) == 0


@sqlite_only
def test_an_open_sqlite_reader_keeps_the_box_unpurged_until_it_ends(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    make_election: Callable[..., Election],
    login: Callable[..., StaffUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ballot_box, "PURGE_WAIT_SECONDS", 0.3)
    election = make_election(options=["A", "B", "C"], ballot_type="approval", rule="approval")
    ciphertexts = fill_box(db_session, election)
    login("clerk")
    path = Path(str(db_session.get_bind().url.database))

    def on_disk() -> int:
        wal = path.with_name(path.name + "-wal")
        return found_in(
            path.read_bytes() + (wal.read_bytes() if wal.exists() else b""), ciphertexts
        )

    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM elections").fetchone()
        page = open_over_http(client, election)
        assert "De stembus is geopend: 12" in page
        assert "staan nog in de databasebestanden" in page
        assert on_disk() > 0
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    result = jobs.purge_sealed_if_pending(app)
    assert result is not None and result.done
    assert on_disk() == 0
    db_session.refresh(election)
    assert ballot_box.is_purged(election)
