"""Two-factor login: enrol with a QR code, log in with a TOTP the test computes, use
each recovery code once; admins can require it for clerks."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import STAFF_PASSWORD
from voting.models import AuditEvent, StaffUser, utcnow


def password_step(client: FlaskClient, username: str) -> str:
    response = client.post(
        "/beheer/inloggen", data={"username": username, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def enrol_logged_in(client: FlaskClient, db_session: Session, user: StaffUser) -> list[str]:
    """Enrol from the account page; returns the recovery codes shown."""
    page = client.get("/beheer/tweestaps")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in html  # the QR is made here
    db_session.refresh(user)
    assert user.totp_secret and user.totp_secret in html
    code = pyotp.TOTP(user.totp_secret).now()
    done = client.post("/beheer/tweestaps", data={"code": code})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return codes


def totp_for(user: StaffUser, offset_steps: int = 0) -> str:
    assert user.totp_secret
    totp = pyotp.TOTP(user.totp_secret)
    return totp.at(utcnow() + timedelta(seconds=30 * offset_steps))


def test_enrol_then_login_needs_the_code(
    app: Flask, client: FlaskClient, login, db_session: Session
) -> None:
    user = login("clerk", "griffie")
    enrol_logged_in(client, db_session, user)
    db_session.refresh(user)
    assert user.has_two_factor
    client.post("/beheer/uitloggen")

    fresh = app.test_client()
    assert password_step(fresh, "griffie").endswith("/beheer/inloggen/code")
    # Only the password: no access yet.
    assert fresh.get("/beheer/").status_code == 302
    wrong = fresh.post("/beheer/inloggen/code", data={"code": "000000"})
    assert wrong.status_code == 401
    assert "Deze code klopt niet" in wrong.get_data(as_text=True)
    ok = fresh.post("/beheer/inloggen/code", data={"code": totp_for(user, 1)})
    assert ok.status_code == 302
    assert fresh.get("/beheer/").status_code == 200
    methods = [
        e.details.get("method")
        for e in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.login"))
    ]
    assert methods[-1] == "totp"


def test_a_code_cannot_be_used_twice(
    app: Flask, client: FlaskClient, login, db_session: Session
) -> None:
    user = login("clerk", "griffie")
    enrol_logged_in(client, db_session, user)
    db_session.refresh(user)
    code = totp_for(user, 1)
    first = app.test_client()
    password_step(first, "griffie")
    assert first.post("/beheer/inloggen/code", data={"code": code}).status_code == 302
    second = app.test_client()
    password_step(second, "griffie")
    assert second.post("/beheer/inloggen/code", data={"code": code}).status_code == 401


def test_recovery_codes_work_once_each(
    app: Flask, client: FlaskClient, login, db_session: Session
) -> None:
    user = login("clerk", "griffie")
    codes = enrol_logged_in(client, db_session, user)
    first = app.test_client()
    password_step(first, "griffie")
    used = first.post("/beheer/inloggen/code", data={"code": codes[0].upper()})
    assert used.status_code == 302
    assert "9 herstelcodes" in first.get(used.headers["Location"]).get_data(as_text=True)
    again = app.test_client()
    password_step(again, "griffie")
    assert again.post("/beheer/inloggen/code", data={"code": codes[0]}).status_code == 401
    assert again.post("/beheer/inloggen/code", data={"code": codes[1]}).status_code == 302


def test_second_step_without_password_step_goes_back_to_login(client: FlaskClient) -> None:
    response = client.post("/beheer/inloggen/code", data={"code": "123456"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/beheer/inloggen")


def test_admin_requires_two_factor_and_a_clerk_enrols_at_login(
    app: Flask, client: FlaskClient, login, make_staff, db_session: Session
) -> None:
    login("admin", "beheer")
    response = client.post("/beheer/medewerkers/instellingen", data={"require_two_factor": "y"})
    assert response.status_code == 302
    assert db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "settings.two_factor_required")
    )
    clerk = make_staff("clerk", "griffie")
    organiser = make_staff("organiser", "wijkraad")
    desk = app.test_client()
    assert password_step(desk, "griffie").endswith("/beheer/tweestaps")
    assert desk.get("/beheer/").status_code == 302  # not in before enrolling
    page = desk.get("/beheer/tweestaps")
    assert "vraagt bij het inloggen een tweede stap" in page.get_data(as_text=True)
    db_session.refresh(clerk)
    assert desk.post("/beheer/tweestaps", data={"code": totp_for(clerk)}).status_code == 200
    assert desk.get("/beheer/").status_code == 200
    # Organisers are not required to.
    assert password_step(app.test_client(), organiser.username).endswith("/voorstellen/mijn")
    # A clerk cannot turn off what is required.
    refused = desk.post("/beheer/account/tweestaps-uit", data={"current": STAFF_PASSWORD})
    assert "verplicht" in desk.get(refused.headers["Location"]).get_data(as_text=True)
    db_session.refresh(clerk)
    assert clerk.has_two_factor


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_CODE_LIMIT="3 per 5 minutes")
def test_wrong_codes_are_limited_per_account(
    app: Flask, client: FlaskClient, login, db_session: Session
) -> None:
    user = login("clerk", "griffie")
    enrol_logged_in(client, db_session, user)
    db_session.refresh(user)
    for n in range(3):
        guesser = app.test_client()
        password_step(guesser, "griffie")
        response = guesser.post(
            "/beheer/inloggen/code",
            data={"code": "111111"},
            environ_base={"REMOTE_ADDR": f"10.0.3.{n}"},
        )
        assert response.status_code == 401
    last = app.test_client()
    password_step(last, "griffie")
    blocked = last.post("/beheer/inloggen/code", data={"code": totp_for(user, 1)})
    assert blocked.status_code == 429
