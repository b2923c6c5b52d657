"""The council's response to a panel's advice is a council decision (the follow-up
model of elections): on the whole advice or on one recommendation, dated,
append-only, audit-logged, shown on the panel's public page in Dutch and English.
Migration 0051 turns the old free-text responses into such decisions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from voting.migrate import upgrade
from voting.models import AuditEvent, CouncilDecision, Panel

ADVICE = ["Afval vaker ophalen", "Meer containers", "Statiegeld op blik"]


def _seated(db_session: Session, *, phase: str = "seated") -> Panel:
    panel = Panel(
        slug="afval",
        title="Burgerberaad Afval",
        phase=phase,
        recommendations_json=json.dumps(ADVICE),
    )
    db_session.add(panel)
    db_session.commit()
    return panel


def _decision(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "recommendation": "2",
        "decided_on": "2026-11-20",
        "body": "raad",
        "outcome": "adopted",
        "explanation": "Er komen veertig containers bij, de eerste in maart.",
        "source_url": "https://duiven.raadsinformatie.nl/besluit/42",
    }
    data.update(overrides)
    return data


def test_clerk_records_decisions_per_recommendation_and_the_public_page_shows_them(
    client: FlaskClient, login: Callable[..., object], db_session: Session
) -> None:
    panel = _seated(db_session)
    login("clerk")
    base = f"/beheer/burgerberaad/{panel.id}"
    assert "Over welk deel van het advies?" in client.get(base).get_data(as_text=True)
    response = client.post(f"{base}/besluit", data=_decision())
    assert response.status_code == 303, response.get_data(as_text=True)
    decision = db_session.scalar(select(CouncilDecision))
    assert decision is not None
    assert (decision.subject_type, decision.panel_id, decision.recommendation) == (
        "panel_recommendation",
        panel.id,
        2,
    )
    assert decision.election_id is None and decision.decided_on == date(2026, 11, 20)
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "follow_up.panel_decision")
    )
    assert event is not None and '"recommendation": 2' in event.detail

    public = client.get("/burgerberaad/afval").get_data(as_text=True)
    second = public.split("Meer containers", 1)[1].split("</li>", 1)[0]
    assert "Overgenomen" in second and "veertig containers" in second
    assert "20 november 2026" in second
    first = public.split("Afval vaker ophalen", 1)[1].split("</li>", 1)[0]
    assert "Overgenomen" not in first

    # A later decision on the whole advice; the older one on number 2 stays in force.
    later = _decision(
        recommendation="0",
        decided_on="2026-11-27",
        outcome="adopted_in_part",
        explanation="Het college neemt twee van de drie aanbevelingen over.",
        source_url="",
    )
    assert client.post(f"{base}/besluit", data=later).status_code == 303
    public = client.get("/burgerberaad/afval").get_data(as_text=True)
    assert "Deels overgenomen" in public and "twee van de drie" in public
    english = client.get("/burgerberaad/afval?lang=en").get_data(as_text=True)
    assert "What did the council do with it?" in english
    assert "Adopted in part" in english
    admin = client.get(base).get_data(as_text=True)
    assert "Aanbeveling 2" in admin and "Het advies als geheel" in admin


def test_bad_decisions_are_refused_with_a_clear_message(
    client: FlaskClient, login: Callable[..., object], db_session: Session
) -> None:
    panel = _seated(db_session)
    login("clerk")
    base = f"/beheer/burgerberaad/{panel.id}"
    no_text = client.post(f"{base}/besluit", data=_decision(explanation=""))
    assert no_text.status_code == 400
    assert "Leg in een paar zinnen uit" in no_text.get_data(as_text=True)
    unknown = client.post(f"{base}/besluit", data=_decision(recommendation="9"))
    assert unknown.status_code == 400
    future = client.post(f"{base}/besluit", data=_decision(decided_on="2999-01-01"))
    assert future.status_code == 400
    assert db_session.scalars(select(CouncilDecision)).all() == []

    # Decisions name recommendations by number: afterwards the advice stays as it is.
    assert client.post(f"{base}/besluit", data=_decision()).status_code == 303
    changed = client.post(f"{base}/advies", data={"recommendations": "Iets anders"})
    assert changed.status_code == 409
    assert "Het advies ligt vast" in changed.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Panel, panel.id).recommendations == ADVICE


def test_no_decision_before_the_panel_sits(
    client: FlaskClient, login: Callable[..., object], db_session: Session
) -> None:
    panel = _seated(db_session, phase="draw")
    login("clerk")
    response = client.post(f"/beheer/burgerberaad/{panel.id}/besluit", data=_decision())
    assert response.status_code == 409
    assert "als het panel zit" in response.get_data(as_text=True)
    assert db_session.scalars(select(CouncilDecision)).all() == []


def test_panel_decisions_are_append_only_in_the_database(
    client: FlaskClient, login: Callable[..., object], db_session: Session
) -> None:
    panel = _seated(db_session)
    login("clerk")
    client.post(f"/beheer/burgerberaad/{panel.id}/besluit", data=_decision())
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text("UPDATE council_decisions SET outcome = 'not_adopted'"))
    db_session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text("DELETE FROM council_decisions"))
    db_session.rollback()


def test_migration_turns_old_free_text_responses_into_decisions(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0050")
    columns = {c["name"]: c for c in inspect(engine).get_columns("panels")}
    assert "council_response" in columns
    values = {
        "slug": "oud",
        "title": "Burgerberaad Oud",
        "council_response": "De raad nam het advies over, behalve punt 3.",
        "recommendations_json": json.dumps(ADVICE),
    }
    for name, column in columns.items():
        if name in values or name == "id" or column["nullable"]:
            continue
        kind = str(column["type"]).upper()
        values[name] = (
            0
            if "INT" in kind
            else False
            if "BOOL" in kind
            else "2026-01-01 00:00:00"
            if "DATE" in kind
            else ""
        )
    values.update(phase="seated", job_state="idle", seats=10, invitations=100, min_age=16)
    names = ", ".join(values)
    with engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO panels ({names}) VALUES ({', '.join(':' + n for n in values)})"),
            values,
        )
        conn.execute(
            text(f"INSERT INTO panels ({names}) VALUES ({', '.join(':' + n for n in values)})"),
            values | {"slug": "leeg", "council_response": ""},
        )
    upgrade(engine)
    assert "council_response" not in {c["name"] for c in inspect(engine).get_columns("panels")}
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.slug, d.subject_type, d.recommendation, d.body, d.outcome, "
                "d.explanation FROM council_decisions d JOIN panels p ON p.id = d.panel_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (
            "oud",
            "panel_recommendation",
            None,
            "raad",
            "pending",
            "De raad nam het advies over, behalve punt 3.",
        )
    ]
    with engine.begin() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text("UPDATE council_decisions SET outcome = 'adopted'"))
    engine.dispose()
