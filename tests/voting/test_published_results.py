"""Certified results worked out once and served from storage: no public page reads
the record, every answer has an ETag and a 304, downloads stream in slices, the
receipt check is a look-up."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from ballots.record import record_sha256
from ballots.record.exchange import exchange_file
from tests.voting.test_results_routes import publish  # noqa: F401 (the fixture)
from voting import db, published
from voting.models import Election, PublishedResult


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine()

    def listen(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_certification_stores_the_published_result(
    publish: Callable[..., Election],  # noqa: F811
    db_session: Session,
) -> None:
    election = publish("irv")
    row = db_session.get(PublishedResult, election.id)
    assert row is not None
    record = json.loads(election.record_json or "")
    summary = json.loads(row.summary_json)
    assert "ballots" not in summary and "receipts" not in summary
    assert summary["published"]["receipts"] == len(record["receipts"])
    assert summary["published"]["first_preferences"] == {"A": 3, "B": 2, "C": 2}
    assert row.record_bytes == len((election.record_json or "").encode())
    assert row.record_sha256 == record_sha256(record) == summary["published"]["sha256"]
    ext, text = exchange_file(record)
    assert (row.ballots_ext, row.ballots_text) == (ext, text)


def test_result_page_reads_no_record(
    publish: Callable[..., Election],  # noqa: F811
    client: FlaskClient,
    app: Flask,
) -> None:
    election = publish("irv")
    with statements(app) as seen:
        response = client.get(f"/uitslag/{election.slug}")
        csv_file = client.get(f"/uitslag/{election.slug}/uitslag.csv")
    assert response.status_code == 200 and csv_file.status_code == 200
    assert seen and not [s for s in seen if "record_json" in s or "ballots_text" in s]
    assert "FROM ballots" not in " ".join(seen)  # not the ballots table either


def test_etag_and_not_modified(
    publish: Callable[..., Election],  # noqa: F811
    client: FlaskClient,
) -> None:
    election = publish("approval")
    for path in ("", "/record.json", "/stembiljetten.pb", "/uitslag.csv", "/proces-verbaal.pdf"):
        url = f"/uitslag/{election.slug}{path}"
        first = client.get(url)
        assert first.status_code == 200, url
        tag = first.headers["ETag"]
        assert "no-store" not in first.headers.get("Cache-Control", "")
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304, url
        assert again.get_data() == b""
        assert again.headers["ETag"] == tag
        stale = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200, url
    dutch = client.get(f"/uitslag/{election.slug}").headers["ETag"]
    english = client.get(f"/uitslag/{election.slug}?lang=en").headers["ETag"]
    assert dutch != english


def test_record_streams_in_slices(
    publish: Callable[..., Election],  # noqa: F811
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Non-ASCII text: the slices count characters, Content-Length counts bytes.
    election = publish("irv", title="Uitslag één à deux € 5")
    monkeypatch.setattr(published, "SLICE_CHARS", 97)
    response = client.get(f"/uitslag/{election.slug}/record.json")
    assert response.is_streamed
    body = response.get_data()
    assert body == (election.record_json or "").encode("utf-8")
    assert int(response.headers["Content-Length"]) == len(body)
    assert response.headers["Content-Disposition"].endswith(f'{election.slug}-record.json"')
    ballots = client.get(f"/uitslag/{election.slug}/stembiljetten.blt")
    assert ballots.is_streamed
    assert ballots.get_data(as_text=True) == exchange_file(json.loads(body))[1]
    assert client.get(f"/uitslag/{election.slug}/stembiljetten.pb").status_code == 404


def test_election_certified_before_published_results_gets_its_row(
    publish: Callable[..., Election],  # noqa: F811
    client: FlaskClient,
    db_session: Session,
) -> None:
    election = publish("plurality")
    db_session.delete(db_session.get(PublishedResult, election.id))
    db_session.commit()
    response = client.get(f"/uitslag/{election.slug}")
    assert response.status_code == 200
    assert "De uitslag is geldig en bindend." in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(PublishedResult, election.id) is not None


def test_receipt_check_is_one_lookup(
    publish: Callable[..., Election],  # noqa: F811
    client: FlaskClient,
    app: Flask,
) -> None:
    election = publish("irv")
    receipt = json.loads(election.record_json or "")["receipts"][0]
    typed = receipt.lower().replace("-", " ")
    with statements(app) as seen:
        response = client.post(f"/uitslag/{election.slug}/bon", data={"receipt": typed})
    assert response.status_code == 200
    assert receipt in response.get_data(as_text=True)
    on_receipts = [s for s in seen if "FROM receipts" in s]
    assert on_receipts and all("receipts.receipt = " in s or "LIMIT" in s for s in on_receipts)
    assert not [s for s in seen if "record_json" in s]
    wrong = client.post(f"/uitslag/{election.slug}/bon", data={"receipt": receipt[:-1] + "?"})
    assert wrong.status_code == 404
