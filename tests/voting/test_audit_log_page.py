"""The audit log page: clerks read who did what when, filter it, page through it and
download it as CSV; organisers cannot; entries never change."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from voting import audit
from voting.models import AuditEvent


def row(action: str) -> str:
    """How an entry of ``action`` appears in the table (the filters list kinds too)."""
    return f'<code class="audit-code">{action}</code>'


def add_events(db_session: Session, election_id: int) -> None:
    audit.record(db_session, "griffie", "election.create", election_id=election_id, title="X")
    audit.record(db_session, "beheer", "staff.invite", username="nieuw")
    event = audit.record(db_session, "griffie", "election.phase", election_id=election_id)
    # 23:30 UTC on 15 November is already 16 November in Duiven.
    event.at = datetime(2026, 11, 15, 23, 30, tzinfo=UTC)
    db_session.commit()


def test_clerk_filters_by_election_person_kind_and_local_day(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    election = make_election(title="Centrumplan Duiven")
    add_events(db_session, election.id)
    login("clerk", "griffie1")
    page = client.get("/beheer/logboek").get_data(as_text=True)
    assert row("staff.invite") in page and row("election.create") in page
    by_person = client.get("/beheer/logboek?persoon=beheer").get_data(as_text=True)
    assert row("staff.invite") in by_person and row("election.create") not in by_person
    by_kind = client.get("/beheer/logboek?soort=election.phase").get_data(as_text=True)
    assert "16 november 2026, 00:30" in by_kind  # shown on the town hall's clock
    by_election = client.get(f"/beheer/logboek?verkiezing={election.id}").get_data(as_text=True)
    assert row("staff.invite") not in by_election and "Centrumplan Duiven" in by_election
    by_day = client.get("/beheer/logboek?van=2026-11-16&tot=2026-11-16").get_data(as_text=True)
    assert row("election.phase") in by_day and row("staff.invite") not in by_day
    bad = client.get("/beheer/logboek?van=gisteren")
    assert bad.status_code == 400
    assert "niet te lezen" in bad.get_data(as_text=True)


def test_entries_say_in_words_what_happened_in_the_readers_language(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    election = make_election(title="Centrumplan Duiven")
    add_events(db_session, election.id)
    login("clerk", "griffie1")
    page = client.get("/beheer/logboek").get_data(as_text=True)
    assert "Medewerker uitgenodigd<br>" + row("staff.invite") in page
    assert '<option value="election.phase" >Fase van de verkiezing gewijzigd</option>' in page
    english = client.get("/beheer/logboek?lang=en").get_data(as_text=True)
    assert "Staff member invited<br>" + row("staff.invite") in english
    # An entry of a kind this version has no words for is shown by its code.
    audit.record(db_session, "griffie", "legacy.kind")
    db_session.commit()
    assert "legacy.kind<br>" + row("legacy.kind") in client.get("/beheer/logboek").get_data(
        as_text=True
    )


def test_pages_of_fifty(client: FlaskClient, login, db_session: Session) -> None:
    for n in range(120):
        audit.record(db_session, "griffie", f"test.event{n:03d}")
    db_session.commit()
    login("clerk")
    first = client.get("/beheer/logboek").get_data(as_text=True)
    assert "Pagina 1 van 3" in first  # the login is the 121st entry
    assert row("test.event119") in first and row("test.event060") not in first
    last = client.get("/beheer/logboek?pagina=3").get_data(as_text=True)
    assert row("test.event000") in last


def test_csv_export_follows_the_filter(
    client: FlaskClient, login, make_election, db_session: Session, app: Flask
) -> None:
    election = make_election(title="Centrumplan Duiven", box=False)
    add_events(db_session, election.id)
    login("clerk")
    with client.get(f"/beheer/logboek.csv?verkiezing={election.id}") as response:
        assert response.mimetype == "text/csv"
        assert response.is_streamed
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["election.phase", "election.create"]
    assert rows[0]["time_local"] == "2026-11-16T00:30:00+01:00"
    assert rows[0]["election"] == "Centrumplan Duiven"
    # The export gave its database connection back: a streamed answer once kept one
    # in an open transaction, which on PostgreSQL held locks until the process ended.
    assert app.extensions["db_engine"].pool.checkedout() == 0


def test_organisers_cannot_read_the_log(client: FlaskClient, login) -> None:
    login("organiser")
    assert client.get("/beheer/logboek").status_code == 403
    assert client.get("/beheer/logboek.csv").status_code == 403


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_entries(db_session: Session, statement: str) -> None:
    audit.record(db_session, "griffie", "election.create")
    db_session.commit()
    with pytest.raises(DatabaseError):
        db_session.execute(text(statement))
    db_session.rollback()
    assert db_session.query(AuditEvent).count() == 1
