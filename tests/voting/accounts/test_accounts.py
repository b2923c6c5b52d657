"""Admins invite staff, disable and re-enable accounts and send reset links; everyone
changes their own password; weak passwords are refused with a reason."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.conftest import STAFF_PASSWORD
from voting import passwords
from voting.models import AuditEvent, StaffToken, StaffUser, utcnow

NEW_PASSWORD = "zeven groene fietsen"


def link_from(html: str) -> str:
    match = re.search(r'value="http://localhost(/beheer/wachtwoord/[^"]+)"', html)
    assert match, html
    return match.group(1)


def invite(client: FlaskClient, username: str = "nieuw", role: str = "clerk") -> str:
    response = client.post(
        "/beheer/medewerkers/uitnodigen",
        data={"username": username, "display_name": "Nieuwe Collega", "role": role},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return link_from(response.get_data(as_text=True))


def actions(db_session: Session) -> list[str]:
    return list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_invitation_link_sets_a_password_once(
    app: Flask, client: FlaskClient, login, db_session: Session
) -> None:
    login("admin", "beheer")
    path = invite(client)
    token = path.rsplit("/", 1)[1]
    stored = db_session.scalar(select(StaffToken))
    assert stored is not None and token not in stored.token_hash  # only a hash is kept
    invited = db_session.scalar(select(StaffUser).where(StaffUser.username == "nieuw"))
    assert invited is not None and invited.role == "clerk"
    newcomer = app.test_client()
    # Before accepting, no password works.
    assert (
        newcomer.post("/beheer/inloggen", data={"username": "nieuw", "password": "!invited"})
    ).status_code == 401
    page = newcomer.get(path)
    assert "Welkom, Nieuwe Collega" in page.get_data(as_text=True)
    done = newcomer.post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 302
    login_response = newcomer.post(
        "/beheer/inloggen", data={"username": "nieuw", "password": NEW_PASSWORD}
    )
    assert login_response.status_code == 302
    used = newcomer.get(path)
    assert used.status_code == 404
    assert "Deze link werkt niet meer" in used.get_data(as_text=True)
    assert "staff.invite" in actions(db_session)
    assert "staff.invite_accepted" in actions(db_session)


@pytest.mark.app_config(ACCOUNT_LINK_HOURS=72)
def test_expired_invitation_is_refused(
    app: Flask, client: FlaskClient, login, db_session: Session
) -> None:
    login("admin", "beheer")
    path = invite(client)
    db_session.execute(update(StaffToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert app.test_client().get(path).status_code == 404


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort", "Gebruik minstens 10 tekens."),
        ("password123", "veelgebruikte wachtwoorden"),
        ("Welkom2026!", "veelgebruikte wachtwoorden"),
        ("nieuw-is-mijn-naam", "gebruikersnaam niet bevatten"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    app: Flask, client: FlaskClient, login, password: str, message: str
) -> None:
    login("admin", "beheer")
    path = invite(client)
    response = app.test_client().post(path, data={"password": password, "repeat": password})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_common_password_list_is_large_and_case_blind() -> None:
    assert len(passwords.common_passwords()) > 20_000
    assert passwords.is_common("QWERTY")
    assert passwords.is_common("wachtwoord")
    assert not passwords.is_common("zeven groene fietsen")


def test_duplicate_username_is_refused(client: FlaskClient, login, make_staff) -> None:
    login("admin", "beheer")
    make_staff("clerk", "griffie")
    response = client.post(
        "/beheer/medewerkers/uitnodigen", data={"username": "griffie", "role": "clerk"}
    )
    assert response.status_code == 409
    assert "al in gebruik" in response.get_data(as_text=True)


def test_disabling_ends_sessions_at_once_and_enabling_restores_login(
    app: Flask, client: FlaskClient, login, make_staff, db_session: Session
) -> None:
    login("admin", "beheer")
    clerk = make_staff("clerk", "griffie")
    desk = app.test_client()
    desk.post("/beheer/inloggen", data={"username": "griffie", "password": STAFF_PASSWORD})
    assert desk.get("/beheer/").status_code == 200
    assert client.post(f"/beheer/medewerkers/{clerk.id}/actief").status_code == 302
    assert desk.get("/beheer/").status_code == 302
    refused = desk.post(
        "/beheer/inloggen", data={"username": "griffie", "password": STAFF_PASSWORD}
    )
    assert refused.status_code == 401
    client.post(f"/beheer/medewerkers/{clerk.id}/actief")
    again = desk.post("/beheer/inloggen", data={"username": "griffie", "password": STAFF_PASSWORD})
    assert again.status_code == 302
    assert actions(db_session).count("staff.disable") == 1
    assert actions(db_session).count("staff.enable") == 1


def test_admin_cannot_disable_themselves(client: FlaskClient, login) -> None:
    admin = login("admin", "beheer")
    response = client.post(f"/beheer/medewerkers/{admin.id}/actief", follow_redirects=True)
    assert "niet uitzetten" in response.get_data(as_text=True)
    assert client.get("/beheer/medewerkers").status_code == 200


def test_reset_link_replaces_the_password_and_ends_sessions(
    app: Flask, client: FlaskClient, login, make_staff, db_session: Session
) -> None:
    login("admin", "beheer")
    clerk = make_staff("clerk", "griffie")
    desk = app.test_client()
    desk.post("/beheer/inloggen", data={"username": "griffie", "password": STAFF_PASSWORD})
    first = link_from(
        client.post(f"/beheer/medewerkers/{clerk.id}/wachtwoord-link").get_data(as_text=True)
    )
    second = link_from(
        client.post(f"/beheer/medewerkers/{clerk.id}/wachtwoord-link").get_data(as_text=True)
    )
    assert app.test_client().get(first).status_code == 404  # replaced by the newer one
    app.test_client().post(second, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert desk.get("/beheer/").status_code == 302
    assert (
        desk.post(
            "/beheer/inloggen", data={"username": "griffie", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    assert "staff.password_reset" in actions(db_session)


def test_user_changes_own_password_other_sessions_end(
    app: Flask, client: FlaskClient, login, db_session: Session
) -> None:
    login("organiser", "wijkraad")
    other = app.test_client()
    other.post("/beheer/inloggen", data={"username": "wijkraad", "password": STAFF_PASSWORD})
    wrong = client.post(
        "/beheer/account/wachtwoord",
        data={"current": "fout", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert "huidige wachtwoord klopt niet" in wrong.get_data(as_text=True)
    differ = client.post(
        "/beheer/account/wachtwoord",
        data={"current": STAFF_PASSWORD, "password": NEW_PASSWORD, "repeat": "iets anders!"},
    )
    assert "De wachtwoorden verschillen." in differ.get_data(as_text=True)
    ok = client.post(
        "/beheer/account/wachtwoord",
        data={"current": STAFF_PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert ok.status_code == 302
    assert client.get("/voorstellen/mijn").status_code == 200  # this session stays
    assert other.get("/voorstellen/mijn").status_code == 302  # the other one ended
    assert "staff.password_changed" in actions(db_session)


@pytest.mark.parametrize("role", ["clerk", "organiser"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/beheer/medewerkers"),
        ("post", "/beheer/medewerkers/uitnodigen"),
        ("post", "/beheer/medewerkers/1/actief"),
        ("post", "/beheer/medewerkers/1/wachtwoord-link"),
        ("post", "/beheer/medewerkers/1/tweestaps-uit"),
        ("post", "/beheer/medewerkers/instellingen"),
    ],
)
def test_only_admins_manage_accounts(
    client: FlaskClient, login, role: str, method: str, path: str
) -> None:
    login(role)
    response = getattr(client, method)(path, data={"username": "x", "role": "admin"})
    assert response.status_code == 403
    assert "U heeft geen toegang tot deze pagina." in response.get_data(as_text=True)
