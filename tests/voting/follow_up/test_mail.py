"""E-mail updates through a real local SMTP server: double opt-in with hashed,
expiring tokens, an unsubscribe link and header in every message, the queue keeping
mail while the server is down, and addresses kept apart from everything else."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.follow_up import notify, outbox, tracking
from voting.formatting import town_hall_today
from voting.models import Election, MailSubscription, OutboxMessage, utcnow


def _send(app: Flask, db_session: Session, **options: Any) -> outbox.SendReport:
    return outbox.send_due(db_session, app.config, **options)


def _link(message: Any, path: str) -> str:
    body = message.get_content()
    found = re.search(r"https?://\S+" + re.escape(path) + r"\S+", body)
    assert found, body
    return found.group(0).replace("http://localhost", "")


def _decide(app: Flask, db_session: Session, election: Election) -> None:
    with app.app_context():
        _record(db_session, election)


def _record(db_session: Session, election: Election) -> None:
    tracking.record_decision(
        db_session,
        election,
        decided_on=date(2026, 11, 20),
        body="college",
        outcome="adopted",
        explanation="Het college voert het plan uit.",
        source_url="",
        actor="griffie",
    )


def test_subscribe_confirm_receive_and_unsubscribe(
    app: Flask,
    client: FlaskClient,
    smtp: Any,
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    app.config["SMTP_URL"] = smtp.url
    election = certify()
    response = client.post(
        f"/volgen/aanmelden?over={election.slug}", data={"address": " Inwoner@Example.NL "}
    )
    assert response.status_code == 303
    stored = db_session.scalars(select(MailSubscription)).one()
    assert stored.address == "Inwoner@example.nl" and stored.confirmed_on is None
    assert _send(app, db_session).sent == 1
    confirmation = smtp.messages[-1]
    assert confirmation["To"] == "Inwoner@example.nl"
    confirm_path = _link(confirmation, "/volgen/bevestigen/")
    token = confirm_path.rsplit("/", 1)[1]
    # Only a hash of the token is kept.
    assert stored.confirm_token_hash and token not in stored.confirm_token_hash
    # Nothing is sent before the address is confirmed.
    _decide(app, db_session, election)
    assert db_session.scalars(select(OutboxMessage)).all() == []

    assert client.get(confirm_path).status_code == 200  # a button, not a confirmation
    db_session.expire_all()
    assert db_session.get(MailSubscription, stored.id).confirmed_on is None
    assert client.post(confirm_path).status_code == 200
    db_session.expire_all()
    assert db_session.get(MailSubscription, stored.id).confirmed_on == town_hall_today()
    assert client.post(confirm_path).status_code == 404  # used once

    _decide(app, db_session, election)
    assert _send(app, db_session).sent == 1
    update = smtp.messages[-1]
    assert "Nieuws over Centrumplan Test" in update["Subject"]
    assert "overgenomen" in update.get_content()
    unsubscribe_path = _link(update, "/volgen/afmelden/")
    assert update["List-Unsubscribe"] == f"<http://localhost{unsubscribe_path}>"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert client.get(unsubscribe_path).status_code == 200
    # RFC 8058 one-click: a mail program posts without our form or CSRF token.
    assert client.post(unsubscribe_path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert db_session.scalars(select(MailSubscription)).all() == []
    count = len(smtp.messages)
    _decide(app, db_session, election)
    assert _send(app, db_session).sent == 0
    assert len(smtp.messages) == count


def test_mail_waits_while_the_server_is_down_and_goes_once_it_is_back(
    app: Flask, smtp: Any, certify: Callable[..., Election], db_session: Session
) -> None:
    app.config["SMTP_URL"] = smtp.url
    election = certify()
    db_session.add(
        MailSubscription(
            address="volger@example.nl",
            election_id=None,
            requested_on=town_hall_today(),
            confirmed_on=town_hall_today(),
        )
    )
    db_session.commit()
    _decide(app, db_session, election)
    queued = db_session.scalars(select(OutboxMessage)).one()
    assert queued.next_attempt_at is None  # no time of day until a try fails
    smtp.stop()
    report = _send(app, db_session)
    assert (report.sent, report.retry) == (0, 1) and report.error
    db_session.expire_all()
    waiting = db_session.scalars(select(OutboxMessage)).one()
    assert waiting.attempts == 1 and waiting.next_attempt_at is not None
    # Not due yet: the next run leaves it alone even when the server is back.
    smtp.start()
    assert _send(app, db_session).sent == 0
    later = utcnow() + outbox.pause_after(1) + timedelta(seconds=1)
    assert _send(app, db_session, now=later).sent == 1
    assert db_session.scalars(select(OutboxMessage)).all() == []
    assert [m["To"] for m in smtp.messages] == ["volger@example.nl"]


def test_the_send_command_and_a_missing_smtp_url(
    app: Flask, runner: Any, smtp: Any, db_session: Session
) -> None:
    outbox.enqueue(db_session, to="a@example.nl", subject="Test", body="Hallo")
    db_session.commit()
    app.config["SMTP_URL"] = None
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "SMTP_URL is not set" in result.output
    app.config["SMTP_URL"] = smtp.url
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert runner.invoke(args=["mail", "status"]).output.strip() == "waiting 0, failed 0"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.nl", ("mail.example.nl", 25, False, False, None)),
        ("smtp://u%40x:p%3Aw@mail.example.nl:587", ("mail.example.nl", 587, False, True, "u@x")),
        ("smtp://mail.example.nl:2525?starttls=1", ("mail.example.nl", 2525, False, True, None)),
        ("smtps://mail.example.nl", ("mail.example.nl", 465, True, False, None)),
    ],
)
def test_smtp_url(url: str, expected: tuple[object, ...]) -> None:
    settings = outbox.smtp_settings(url)
    got = (
        settings.host,
        settings.port,
        settings.implicit_tls,
        settings.starttls,
        settings.username,
    )
    assert got == expected


@pytest.mark.parametrize("url", ["", "http://mail.example.nl", "smtp://", "smtp://h:99999"])
def test_bad_smtp_url(url: str) -> None:
    with pytest.raises(outbox.MailNotConfigured):
        outbox.smtp_settings(url)


def test_bad_addresses_links_and_flooding(
    app: Flask, client: FlaskClient, certify: Callable[..., Election], db_session: Session
) -> None:
    election = certify()
    for address in ("", "geen-adres", "a@b", "twee@@example.nl", "a b@example.nl", "x" * 300):
        response = client.post("/volgen/aanmelden", data={"address": address})
        assert response.status_code == 400, address
    assert client.get("/volgen/aanmelden?over=bestaat-niet").status_code == 404
    assert db_session.scalars(select(MailSubscription)).all() == []
    # Asking twice on one day sends one link: the form cannot flood a mailbox.
    for _ in range(2):
        client.post(f"/volgen/aanmelden?over={election.slug}", data={"address": "a@example.nl"})
    assert len(db_session.scalars(select(OutboxMessage)).all()) == 1
    assert client.post("/volgen/bevestigen/" + "x" * 43).status_code == 404
    assert client.post("/volgen/afmelden/" + "0" * 32 + "/" + "0" * 40).status_code == 200
    assert "werkt niet" in client.get("/volgen/afmelden/abc/def").get_data(as_text=True)


def test_a_confirmation_link_expires_and_old_requests_are_forgotten(
    app: Flask, db_session: Session
) -> None:
    long_ago = town_hall_today() - timedelta(days=notify.CONFIRM_DAYS + 1)
    with app.test_request_context():
        notify.request_subscription(db_session, "laat@example.nl", None, "en", today=long_ago)
        body = db_session.scalars(select(OutboxMessage)).one().body
    assert "Hello," in body  # in the language the visitor used
    token = re.search(r"/volgen/bevestigen/(\S+)", body).group(1)  # type: ignore[union-attr]
    assert notify.confirm(db_session, token, today=town_hall_today()) is None
    assert notify.forget_unconfirmed(db_session, today=town_hall_today()) == 1
    assert db_session.scalars(select(MailSubscription)).all() == []
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_a_subscription_holds_no_link_to_codes_receipts_or_times() -> None:
    columns = {c.name: c for c in MailSubscription.__table__.columns}
    assert set(columns) == {
        "id",
        "address",
        "election_id",
        "language",
        "confirm_token_hash",
        "requested_on",
        "confirmed_on",
    }
    assert str(columns["requested_on"].type) == "DATE"
    assert str(columns["confirmed_on"].type) == "DATE"
    targets = {fk.column.table.name for fk in MailSubscription.__table__.foreign_keys}
    assert targets == {"elections"}
