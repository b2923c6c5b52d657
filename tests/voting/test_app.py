"""The app factory, its settings and the pages every visitor sees first."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voting import create_app
from voting.config import ConfigError


def test_config_comes_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("CODE_PEPPER", "pepper-from-env")
    monkeypatch.setenv("MUNICIPALITY", "Gemeente Duiven")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["CODE_PEPPER"] == "pepper-from-env"
    assert app.config["DATABASE_URL"] == database_url
    assert app.config["MUNICIPALITY"] == "Gemeente Duiven"
    assert not app.testing


def test_passed_config_overrides_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "given", "DATABASE_URL": database_url}
    )
    assert app.config["SECRET_KEY"] == "given"


def test_default_database_is_sqlite_in_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'buurtstem.db'}"


def test_production_refuses_to_start_without_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BUURTSTEM_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CODE_PEPPER", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY and CODE_PEPPER must be set"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_development_generates_secrets_once_and_keeps_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CODE_PEPPER", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert len(first.config["CODE_PEPPER"]) >= 32
    # Codes printed yesterday must still match after a restart.
    assert first.config["CODE_PEPPER"] == second.config["CODE_PEPPER"]
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secrets.env").stat().st_mode & 0o077 == 0


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL 'not a url' is not a database URL"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "not a url"})


def test_front_page_lists_open_elections_in_dutch(client: FlaskClient, make_election) -> None:
    make_election(title="Centrumplan Duiven")
    make_election(title="Oud plan", phase="draft")
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Stemmen in uw buurt" in html
    assert "Centrumplan Duiven" in html
    assert "Oud plan" not in html


def test_language_switch_to_english_and_back(client: FlaskClient) -> None:
    response = client.get("/taal/en?next=/")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Vote in your neighbourhood" in html
    client.get("/taal/nl?next=/")
    assert "Stemmen in uw buurt" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/taal/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_login_page_renders(client: FlaskClient) -> None:
    page = client.get("/beheer/inloggen")
    assert page.status_code == 200
    assert "Inloggen voor medewerkers" in page.get_data(as_text=True)


def test_staff_pages_need_login_and_role(client: FlaskClient, login) -> None:
    assert client.get("/beheer/").status_code == 302
    login("organiser")
    assert client.get("/beheer/").status_code == 403
    assert client.get("/voorstellen/mijn").status_code == 200


def test_clerk_logs_in_and_sees_dashboard(client: FlaskClient, login, make_election) -> None:
    make_election(title="Centrumplan Duiven")
    login("clerk")
    page = client.get("/beheer/")
    assert page.status_code == 200
    assert "Centrumplan Duiven" in page.get_data(as_text=True)


def test_footer_offers_the_staff_login_only_to_visitors_not_logged_in(
    client: FlaskClient, login
) -> None:
    assert "Inloggen voor medewerkers" in client.get("/").get_data(as_text=True)
    login("clerk")
    page = client.get("/").get_data(as_text=True)
    assert "Uitloggen" in page and "Inloggen voor medewerkers" not in page


def test_wrong_password_is_refused(client: FlaskClient, make_staff) -> None:
    make_staff("clerk", "griffie")
    response = client.post("/beheer/inloggen", data={"username": "griffie", "password": "nee"})
    assert response.status_code == 401
    assert "verkeerd wachtwoord" in response.get_data(as_text=True)
    assert client.get("/beheer/").status_code == 302


def test_empty_login_says_what_is_missing_in_the_readers_language(client: FlaskClient) -> None:
    response = client.post("/beheer/inloggen", data={"username": "", "password": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Er is iets niet goed ingevuld" in page
    assert '<p class="field-error" id="username-error">Vul uw gebruikersnaam in.</p>' in page
    assert "Vul uw wachtwoord in." in page
    assert 'autocomplete="current-password"' in page  # the field keeps its attributes
    client.get("/taal/en")
    english = client.post("/beheer/inloggen", data={"username": "griffie", "password": ""})
    assert english.status_code == 400
    assert "Enter your password." in english.get_data(as_text=True)
    assert 'value="griffie"' in english.get_data(as_text=True)  # nothing typed is lost


def test_unknown_page_gets_dutch_404(client: FlaskClient) -> None:
    page = client.get("/bestaat-niet")
    assert page.status_code == 404
    assert "Pagina niet gevonden" in page.get_data(as_text=True)


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_post_without_csrf_token_is_refused(app: Flask, client: FlaskClient, make_staff) -> None:
    make_staff("clerk", "griffie")
    response = client.post(
        "/beheer/inloggen", data={"username": "griffie", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert client.get("/beheer/").status_code == 302


def test_times_are_shown_in_dutch_local_time(app: Flask) -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 12, 14, 19, 0, tzinfo=UTC)  # 20:00 in Duiven (CET)
    with app.test_request_context("/"):
        assert app.jinja_env.filters["moment"](moment) == "14 december 2026, 20:00"
        naive = datetime(2026, 7, 1, 6, 30)  # SQLite hands back naive UTC: 08:30 CEST
        assert app.jinja_env.filters["moment"](naive) == "1 juli 2026, 08:30"
    with app.test_request_context("/?lang=en"):
        assert app.jinja_env.filters["moment"](moment) == "14 December 2026, 20:00"


def test_bad_number_in_environment_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VOTE_SESSION_MINUTES", "kwartier")
    with pytest.raises(ConfigError, match="VOTE_SESSION_MINUTES must be a whole number"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_behind_a_trusted_proxy_the_resident_address_is_seen(
    database_url: str, tmp_path: Path
) -> None:
    from flask import request

    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": database_url, "TRUSTED_PROXIES": 1}
    )

    @app.get("/whoami")
    def whoami() -> str:
        return request.remote_addr or ""

    seen = app.test_client().get(
        "/whoami",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert seen.get_data(as_text=True) == "203.0.113.7"
    direct = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": database_url})
    direct.add_url_rule("/whoami", view_func=whoami)
    spoofed = direct.test_client().get(
        "/whoami",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert spoofed.get_data(as_text=True) == "10.0.0.1"


def test_front_page_tells_open_from_announced(client: FlaskClient, make_election) -> None:
    from datetime import timedelta

    from voting.models import utcnow

    make_election(title="Nu stemmen")
    make_election(title="Volgende week", opens_at=utcnow() + timedelta(days=7))
    html = client.get("/").get_data(as_text=True)
    now_part, _, soon_part = html.partition("Binnenkort")
    assert "Nu stemmen" in now_part
    assert "Volgende week" not in now_part
    assert "Volgende week" in soon_part


def test_dashboard_shows_turnout(client: FlaskClient, login, make_election, db_session) -> None:
    from voting.models import Receipt
    from voting.roll import add_voter

    election = make_election(title="Centrumplan Duiven")
    for n in range(8):
        add_voter(db_session, election, f"{n:064d}")
    db_session.add_all([Receipt(election_id=election.id, receipt=f"R{n}") for n in range(3)])
    db_session.commit()
    login("clerk")
    page = client.get("/beheer/").get_data(as_text=True)
    assert "<td>37,5%</td>" in page  # 3 of 8
