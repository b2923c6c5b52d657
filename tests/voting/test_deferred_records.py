"""The pages that list elections never load the (large) record and result columns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from voting.cli.example_election import add_certified_example


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    seen: list[str] = []
    engine = app.extensions["db_engine"]

    def log(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", log)


def test_front_page_and_results_list_skip_the_record(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    certified = add_certified_example(db_session, app)
    assert certified is not None
    for path in ("/", "/uitslag/"):
        with statements(app) as seen:
            page = client.get(path)
        assert page.status_code == 200
        assert certified.title in page.get_data(as_text=True)
        assert seen, path
        assert not any("record_json" in s or "result_json" in s for s in seen), path


def test_results_page_and_download_still_read_the_record(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    certified = add_certified_example(db_session, app)
    assert certified is not None
    assert client.get(f"/uitslag/{certified.slug}").status_code == 200
    download = client.get(f"/uitslag/{certified.slug}/record.json")
    assert download.status_code == 200 and download.get_json()["signature"]
