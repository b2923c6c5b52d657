"""Retention of a citizens' panel: RETENTION_DAYS after it finished, the clerk's
retention page lists its sign-ups (with how many carry sealed contact details) and
invitations, deletes them only after the confirmation, and logs it; a panel not yet
past the period, or not finished, keeps everything. The command does the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.models import AuditEvent, Panel, PanelInvitation, PanelSignup, utcnow
from voting.panels import retention as panel_retention


def _panel(db_session: Session, slug: str, *, phase: str, finished_days_ago: int | None) -> Panel:
    """A panel with three invitations and two sign-ups, one with sealed contacts."""
    panel = Panel(slug=slug, title=f"Burgerberaad {slug.title()}", phase=phase)
    if finished_days_ago is not None:
        panel.finished_at = utcnow() - timedelta(days=finished_days_ago)
    db_session.add(panel)
    db_session.flush()
    invitations = [
        PanelInvitation(
            panel_id=panel.id, resident_key=f"{slug}-k{i}", code_hash=f"{slug}{i}".ljust(64, "0")
        )
        for i in range(3)
    ]
    db_session.add_all(invitations)
    db_session.flush()
    for i, sealed in enumerate([b"\x01sealed-phone", None]):
        db_session.add(
            PanelSignup(
                panel_id=panel.id,
                invitation_id=invitations[i].id,
                pseudonym=f"P{i}",
                answers_json=json.dumps({"Leeftijd": "jong"}),
                consent=True,
                phone_sealed=sealed,
            )
        )
    db_session.commit()
    return panel


def _rows(db_session: Session, panel: Panel) -> tuple[int, int]:
    db_session.expire_all()
    signups = db_session.scalars(select(PanelSignup).where(PanelSignup.panel_id == panel.id))
    invites = db_session.scalars(
        select(PanelInvitation).where(PanelInvitation.panel_id == panel.id)
    )
    return len(signups.all()), len(invites.all())


def test_clerk_sees_panels_past_the_period_and_confirms_their_deletion(
    app: Flask, client: FlaskClient, login: Callable[..., object], db_session: Session
) -> None:
    days = int(app.config["RETENTION_DAYS"])
    old = _panel(db_session, "oud", phase="finished", finished_days_ago=days + 1)
    recent = _panel(db_session, "recent", phase="finished", finished_days_ago=days - 1)
    seated = _panel(db_session, "bezig", phase="seated", finished_days_ago=None)
    login("clerk")

    page = client.get("/beheer/bewaartermijn").get_data(as_text=True)
    assert "Burgerberaad Oud" in page
    assert "Burgerberaad Recent" not in page and "Burgerberaad Bezig" not in page
    # Two sign-ups, one with contact details, three invitations.
    row = page.split("Burgerberaad Oud", 1)[1].split("</tr>", 1)[0]
    assert [c.split("<")[0] for c in row.split('class="num">')[1:]] == ["2", "1", "3"]

    refused = client.post("/beheer/bewaartermijn", data={})
    assert refused.status_code == 400 and "gecontroleerd" in refused.get_data(as_text=True)
    assert _rows(db_session, old) == (2, 3)

    done = client.post("/beheer/bewaartermijn", data={"confirm": "y"}, follow_redirects=True)
    assert "aanmeldingen en uitnodigingen van 1 afgeronde burgerberaden" in done.get_data(
        as_text=True
    )
    assert _rows(db_session, old) == (0, 0)
    assert _rows(db_session, recent) == (2, 3)
    assert _rows(db_session, seated) == (2, 3)
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "retention.purge_panel")
    )
    assert event is not None and "oud" in event.detail
    # The panel itself (its page, record and advice) stays.
    assert db_session.get(Panel, old.id) is not None
    assert "Burgerberaad Oud" not in client.get("/beheer/bewaartermijn").get_data(as_text=True)


def test_the_english_page_names_the_panels(
    app: Flask, client: FlaskClient, login: Callable[..., object], db_session: Session
) -> None:
    _panel(db_session, "oud", phase="finished", finished_days_ago=400)
    login("clerk")
    page = client.get("/beheer/bewaartermijn?lang=en").get_data(as_text=True)
    assert "Citizens' panels: this will be deleted" in page
    assert "Of which with contact details" in page


def test_finishing_a_panel_starts_its_period_and_the_command_keeps_to_it(
    app: Flask, client: FlaskClient, login: Callable[..., object], db_session: Session
) -> None:
    panel = _panel(db_session, "afval", phase="seated", finished_days_ago=None)
    from voting.panels import service

    service.advance(db_session, panel, "finished", actor="test")
    db_session.commit()
    assert panel.finished_at is not None
    login("clerk")
    page = client.get(f"/beheer/burgerberaad/{panel.id}").get_data(as_text=True)
    assert "na uw bevestiging op de pagina Bewaartermijn" in page
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["retention", "--apply"])
    assert "panel afval" not in kept.output
    assert _rows(db_session, panel) == (2, 3)
    dry = runner.invoke(args=["retention", "--days", "0"])
    assert "panel afval: would delete panel_signups 2, panel_contacts 1" in dry.output
    assert _rows(db_session, panel) == (2, 3)
    gone = runner.invoke(args=["retention", "--apply", "--days", "0"])
    assert "panel afval: deleted" in gone.output, gone.output
    assert _rows(db_session, panel) == (0, 0)
    assert panel_retention.run(db_session, 0, apply=False, actor="test") == []
