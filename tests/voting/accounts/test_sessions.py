"""Staff sessions live on the server: a fresh one at every login, ended at logout and
by the idle and absolute time-outs, so an old cookie opens nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.conftest import STAFF_PASSWORD
from voting.models import AuditEvent, StaffSession, utcnow


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_cookie_saved_before_logout_no_longer_opens_beheer(
    app: Flask, client: FlaskClient, login
) -> None:
    login("clerk")
    saved = session_cookie(client)
    assert client.get("/beheer/").status_code == 200
    client.post("/beheer/uitloggen")
    assert client.get("/beheer/").status_code == 302
    # An attacker who copied the cookie earlier replays it in another browser.
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/beheer/")
    assert response.status_code == 302
    assert "/beheer/inloggen" in response.headers["Location"]


def test_every_login_gets_a_new_session_and_the_cookie_holds_no_user_id(
    client: FlaskClient, make_staff, db_session: Session
) -> None:
    user = make_staff("clerk", "griffie")
    client.set_cookie("session", "planted-by-attacker")
    for _ in range(2):
        response = client.post(
            "/beheer/inloggen", data={"username": "griffie", "password": STAFF_PASSWORD}
        )
        assert response.status_code == 302
    rows = db_session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)).all()
    assert len(rows) == 2
    assert rows[0].id != rows[1].id
    with client.session_transaction() as cookie:
        assert cookie["_user_id"] != str(user.id)
        assert len(cookie["_user_id"]) >= 40


@pytest.mark.app_config(SESSION_MINUTES=20)
def test_idle_time_out_ends_the_session(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk")
    assert client.get("/beheer/").status_code == 200
    db_session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=21)))
    db_session.commit()
    assert client.get("/beheer/").status_code == 302
    row = db_session.scalar(select(StaffSession))
    db_session.refresh(row)
    assert row is not None and row.ended_reason == "idle"


@pytest.mark.app_config(SESSION_MAX_HOURS=10)
def test_absolute_time_out_ends_a_busy_session(
    client: FlaskClient, login, db_session: Session
) -> None:
    login("clerk")
    db_session.execute(update(StaffSession).values(created_at=utcnow() - timedelta(hours=11)))
    db_session.commit()
    assert client.get("/beheer/").status_code == 302


def test_login_and_logout_are_audit_logged(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk", "griffie")
    client.post("/beheer/uitloggen")
    actions = db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["staff.login", "staff.logout"]


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="10 per 15 minutes")
def test_wrong_passwords_from_many_addresses_lock_the_account_not_the_address(
    app: Flask, make_staff
) -> None:
    make_staff("clerk", "griffie")
    for n in range(10):
        guesser = app.test_client()
        response = guesser.post(
            "/beheer/inloggen",
            data={"username": "griffie", "password": f"raden{n}"},
            environ_base={"REMOTE_ADDR": f"10.0.1.{n}"},
        )
        assert response.status_code == 401
    # Even the right password from a fresh address is refused now, with a message.
    fresh = app.test_client()
    blocked = fresh.post(
        "/beheer/inloggen",
        data={"username": "griffie", "password": STAFF_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.2.1"},
    )
    assert blocked.status_code == 429
    assert "te vaak een verkeerd wachtwoord" in blocked.get_data(as_text=True)
    # Another account is not affected.
    make_staff("clerk", "collega")
    other = fresh.post(
        "/beheer/inloggen",
        data={"username": "collega", "password": STAFF_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.2.1"},
    )
    assert other.status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
def test_right_passwords_do_not_count_towards_the_account_limit(
    client: FlaskClient, make_staff
) -> None:
    make_staff("clerk", "griffie")
    for _ in range(5):
        response = client.post(
            "/beheer/inloggen", data={"username": "griffie", "password": STAFF_PASSWORD}
        )
        assert response.status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_clerks_behind_one_town_hall_address_are_never_locked_out_by_right_passwords(
    app: Flask, make_staff
) -> None:
    # Before, the per-address limit counted every login: the eleventh clerk to log in
    # within a minute from the town hall got "10 per 1 minute".
    make_staff("clerk", "griffie")
    town_hall = {"REMOTE_ADDR": "10.0.3.1"}
    for _ in range(15):
        clerk = app.test_client()
        response = clerk.post(
            "/beheer/inloggen",
            data={"username": "griffie", "password": STAFF_PASSWORD},
            environ_base=town_hall,
        )
        assert response.status_code == 302
    # Wrong passwords from that address still count, and the refusal says so in Dutch.
    guesser = app.test_client()
    statuses = [
        guesser.post(
            "/beheer/inloggen",
            data={"username": f"onbekend{n}", "password": "raden"},
            environ_base=town_hall,
        ).status_code
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    refused = guesser.post(
        "/beheer/inloggen", data={"username": "x", "password": "y"}, environ_base=town_hall
    )
    assert "Vanaf dit adres is te vaak een verkeerd wachtwoord ingevuld" in refused.get_data(
        as_text=True
    )
