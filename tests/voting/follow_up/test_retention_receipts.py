"""Retention also deletes the receipts table and paper entries that never counted: after
RETENTION_DAYS the online receipt check of that election ends (and says where the
receipts still are: the signed record), other elections keep theirs."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from voting import retention
from voting.models import Election, PaperEntry, Receipt, utcnow


def _age(db_session: Session, election: Election, days: int) -> None:
    db_session.execute(
        text("UPDATE elections SET certified_at = :at WHERE id = :id"),
        {"at": utcnow() - timedelta(days=days), "id": election.id},
    )
    db_session.commit()
    db_session.expire_all()


def _receipts(db_session: Session, election: Election) -> int:
    db_session.expire_all()
    return int(
        db_session.scalar(
            select(func.count()).select_from(Receipt).where(Receipt.election_id == election.id)
        )
        or 0
    )


def _check(client: FlaskClient, election: Election, receipt: str) -> tuple[int, str]:
    """A resident's receipt check (CSRF is off in tests; a test elsewhere checks it)."""
    response = client.post(f"/uitslag/{election.slug}/bon", data={"receipt": receipt})
    return response.status_code, response.get_data(as_text=True)


def test_receipts_go_after_the_retention_period(
    app: Flask,
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    old = certify(slug="oud")
    recent = certify(kind="budget", slug="nieuw")
    old_receipt = json.loads(old.record_json or "")["receipts"][0]
    recent_receipt = json.loads(recent.record_json or "")["receipts"][0]
    # A first entry of a paper ballot that never got its second one: a code's hash.
    db_session.add(
        PaperEntry(
            election_id=old.id,
            code_hash=secrets.token_hex(32),
            digest=secrets.token_hex(32),
            number=1,
            clerk="griffie",
        )
    )
    db_session.commit()
    resident = app.test_client()
    status, page = _check(resident, old, old_receipt.lower().replace("-", " "))
    assert status == 200 and "Uw stem is meegeteld." in page
    _age(db_session, old, 200)
    _age(db_session, recent, 10)

    preview = retention.run(db_session, 180, apply=False, actor="test")
    assert [(p.slug, p.counts["receipts"], p.counts["paper_entries"]) for p in preview] == [
        ("oud", 3, 1)
    ]
    assert _receipts(db_session, old) == 3  # a dry run deletes nothing
    retention.run(db_session, 180, apply=True, actor="test")
    assert _receipts(db_session, old) == 0
    assert _receipts(db_session, recent) == 4
    assert db_session.scalar(select(func.count()).select_from(PaperEntry)) == 0
    # The signed record keeps the published list: nothing a resident holds is lost.
    kept = db_session.get(Election, old.id)
    assert kept is not None and old_receipt in json.loads(kept.record_json or "")["receipts"]

    # The online check of the old election has ended, and says where to look instead.
    intro = resident.get(f"/uitslag/{old.slug}/bon").get_data(as_text=True)
    assert "De bewaartermijn is voorbij" in intro
    assert f'href="/uitslag/{old.slug}/record.json"' in intro
    status, page = _check(resident, old, old_receipt)
    assert status == 410 and "Uw stem is meegeteld." not in page
    english = resident.get(f"/uitslag/{old.slug}/bon?lang=en").get_data(as_text=True)
    assert "The retention period is over" in english
    # The recent election's check still works.
    status, page = _check(resident, recent, recent_receipt)
    assert status == 200 and "Uw stem is meegeteld." in page


def test_clerk_screen_counts_receipts(
    app: Flask,
    client: FlaskClient,
    certify: Callable[..., Election],
    db_session: Session,
    login: Callable[..., object],
) -> None:
    election = certify()
    _age(db_session, election, 181)
    login("clerk")
    page = client.get("/beheer/bewaartermijn").get_data(as_text=True)
    head, body = page.split("<tbody>")[0], page.split("<tbody>")[1].split("</tbody>")[0]
    assert "Bonnummers" in head
    columns = [c.strip() for c in head.split("<thead>")[1].split("</tr>")[0].split("</th>")][:-1]
    cells = body.split('<td class="num">')[1:]
    receipts_at = next(i for i, c in enumerate(columns) if c.endswith("Bonnummers"))
    assert cells[receipts_at - 1].split("<")[0] == "3"


def test_privacy_statement_says_how_long_receipts_stay(app: Flask, client: FlaskClient) -> None:
    days = app.config["RETENTION_DAYS"]
    dutch = " ".join(client.get("/privacy").get_data(as_text=True).split())
    assert "Uw bonnummer: een willekeurig nummer, apart van de stemmen bewaard." in dutch
    assert f"Opzoeken op de website: tot {days} dagen na de uitslag." in dutch
    assert "verzegelde stembus" in dutch
    english = " ".join(client.get("/privacy?lang=en").get_data(as_text=True).split())
    assert f"Looking it up on the website: until {days} days after the result." in english
