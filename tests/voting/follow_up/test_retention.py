"""Retention: after RETENTION_DAYS the codes, roll keys and e-mail addresses of a
finished process are gone from every table, the record still verifies, and the
follow-up stays. Dry run first; the clerk's button asks for a confirmation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.conftest import REPO
from voting import retention, signing
from voting.follow_up import tracking
from voting.models import (
    AuditEvent,
    Base,
    CouncilDecision,
    Election,
    MailSubscription,
    RollEntry,
    VotingCode,
    utcnow,
)
from voting.roll import issue_code
from voting.tally import private_key_path


def _age(db_session: Session, election: Election, days: int) -> None:
    # Certified ``days`` ago (the certified row itself must not change, so in SQL).
    db_session.execute(
        text("UPDATE elections SET certified_at = :at WHERE id = :id"),
        {"at": utcnow() - timedelta(days=days), "id": election.id},
    )
    db_session.commit()
    db_session.expire_all()


def _personal_data(app: Flask, db_session: Session, election: Election) -> set[str]:
    """Give every resident on the roll a code, subscribe two addresses to the election;
    returns every secret-ish value that must disappear."""
    # Residents who voted have their (used) code already.
    entries = db_session.scalars(
        select(RollEntry).where(
            RollEntry.election_id == election.id,
            ~RollEntry.id.in_(select(VotingCode.roll_entry_id)),
        )
    )
    for entry in entries:
        issue_code(db_session, entry, app.config["CODE_PEPPER"])
    db_session.commit()
    addresses = {f"een@{election.slug}.nl", f"twee@{election.slug}.nl"}
    for address in sorted(addresses):
        db_session.add(
            MailSubscription(
                address=address,
                election_id=election.id,
                requested_on=date(2026, 1, 5),
                confirmed_on=date(2026, 1, 5),
            )
        )
    db_session.commit()
    values = set(
        db_session.scalars(
            select(VotingCode.code_hash).where(VotingCode.election_id == election.id)
        )
    )
    values |= set(
        db_session.scalars(select(RollEntry.voter_key).where(RollEntry.election_id == election.id))
    )
    return values | addresses


def _everything_stored(db_session: Session) -> str:
    rows = []
    for table in Base.metadata.sorted_tables:
        rows.extend(repr(tuple(row)) for row in db_session.execute(select(table)))
    return "\n".join(rows)


def test_retention_deletes_personal_data_of_finished_processes_only(
    app: Flask,
    runner: Any,
    certify: Callable[..., Election],
    db_session: Session,
    tmp_path: Path,
) -> None:
    old = certify(slug="lang-geleden")
    recent = certify(kind="budget", slug="net-klaar")
    secrets_old = _personal_data(app, db_session, old)
    secrets_recent = _personal_data(app, db_session, recent)
    db_session.add(
        MailSubscription(
            address="alles@example.nl",
            election_id=None,
            requested_on=date(2026, 1, 5),
            confirmed_on=date(2026, 1, 5),
        )
    )
    db_session.commit()
    with app.app_context():
        tracking.record_decision(
            db_session,
            old,
            decided_on=date(2026, 2, 1),
            body="raad",
            outcome="adopted",
            explanation="Overgenomen.",
            source_url="",
            actor="griffie",
        )
    _age(db_session, old, 200)
    _age(db_session, recent, 10)

    dry = runner.invoke(args=["retention"])
    assert dry.exit_code == 0, dry.output
    assert (
        "lang-geleden: would delete voting_codes 10, roll_keys 10, receipts 3, paper_entries 0, "
        "mail_addresses 2" in dry.output
    )
    assert "net-klaar" not in dry.output and "Dry run" in dry.output
    stored = _everything_stored(db_session)
    assert all(value in stored for value in secrets_old)

    done = runner.invoke(args=["retention", "--apply"])
    assert done.exit_code == 0, done.output
    db_session.rollback()  # end the read transaction: see what the command committed
    stored = _everything_stored(db_session)
    left = [value for value in secrets_old if value in stored]
    assert left == []
    assert all(value in stored for value in secrets_recent)
    assert "alles@example.nl" in stored  # site-wide news belongs to no process
    assert db_session.scalars(select(CouncilDecision)).one().election_id == old.id
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "retention.purge")
    ).one()
    assert event.election_id == old.id and event.details["voting_codes"] == 10
    again = runner.invoke(args=["retention", "--apply"])
    assert (
        "voting_codes 0, roll_keys 0, receipts 0, paper_entries 0, mail_addresses 0" in again.output
    )

    # The published record still verifies, and the public pages still work.
    record = tmp_path / "record.json"
    record.write_text(db_session.get(Election, old.id).record_json or "", encoding="utf-8")
    key = signing.load_private_key(private_key_path(app.config["SIGNING_KEY_PATH"]))
    public = tmp_path / "key.pem"
    public.write_bytes(signing.public_key_pem(key))
    verified = subprocess.run(
        [sys.executable, str(REPO / "tools" / "verify.py"), str(record), "--key", str(public)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    client = app.test_client()
    assert client.get(f"/uitslag/{old.slug}").status_code == 200
    assert "Overgenomen." in client.get(f"/volgen/{old.slug}").get_data(as_text=True)


def test_clerk_previews_then_confirms_retention(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify()
    _personal_data(app, db_session, election)
    _age(db_session, election, 181)
    login("clerk")
    preview = client.get("/beheer/bewaartermijn")
    assert preview.status_code == 200
    assert "Centrumplan Test" in preview.get_data(as_text=True)
    assert db_session.scalars(select(VotingCode)).all() != []
    refused = client.post("/beheer/bewaartermijn", data={})
    assert refused.status_code == 400
    assert "gecontroleerd" in refused.get_data(as_text=True)
    assert db_session.scalars(select(VotingCode)).all() != []
    assert client.post("/beheer/bewaartermijn", data={"confirm": "y"}).status_code == 303
    db_session.rollback()
    assert db_session.scalars(select(VotingCode)).all() == []
    assert db_session.scalars(select(RollEntry)).all() == []
    assert db_session.scalars(select(MailSubscription)).all() == []
    assert "Alles is al verwijderd" in client.get("/beheer/bewaartermijn").get_data(as_text=True)


def test_modules_register_their_own_purge(
    app: Flask, certify: Callable[..., Election], db_session: Session
) -> None:
    election = certify()
    _age(db_session, election, 400)
    seen: list[tuple[int, bool]] = []

    @retention.purger("test_signups")
    def purge(session: Session, found: Election, apply: bool) -> int:
        seen.append((found.id, apply))
        return 3

    try:
        report = retention.run(db_session, 180, apply=False, actor="test")
    finally:
        retention.PURGERS.pop("test_signups")
    assert seen == [(election.id, False)]
    assert report[0].counts["test_signups"] == 3
    # A dry run logs nothing and changes nothing.
    assert db_session.scalars(select(AuditEvent.action)).all().count("retention.purge") == 0
