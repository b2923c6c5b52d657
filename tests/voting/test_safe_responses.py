"""Cookies, headers and redirects as a browser sees them, on the production config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import app_config
from voting import create_app
from voting.safe_responses import local_path


@pytest.fixture
def production_app(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[Flask]:
    """The app as ``BUURTSTEM_ENV=production`` builds it (secrets from the environment)."""
    monkeypatch.setenv("BUURTSTEM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.setenv("CODE_PEPPER", "production-pepper")
    config = app_config(database_url, tmp_path / "instance")
    for key in ("TESTING", "SECRET_KEY", "CODE_PEPPER"):
        config.pop(key)
    config["ENV_NAME"] = "production"
    app = create_app(config)
    yield app
    app.extensions["db_engine"].dispose()


def _session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]


def test_production_session_cookie_is_secure_httponly_lax(production_app: Flask) -> None:
    client = production_app.test_client()
    response = client.get("/taal/en?next=/", base_url="https://stem.example")
    cookie = _session_cookie(response)
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


def test_development_cookie_is_httponly_lax_without_secure(client: FlaskClient) -> None:
    cookie = _session_cookie(client.get("/taal/en?next=/"))
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_hsts_only_over_https(production_app: Flask) -> None:
    client = production_app.test_client()
    secure = client.get("/", base_url="https://stem.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_https_behind_trusted_proxy_gets_hsts(database_url: str, tmp_path: Path) -> None:
    app = create_app(app_config(database_url, tmp_path / "i", TRUSTED_PROXIES=1))
    try:
        response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" in response.headers
    finally:
        app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("path", ["/beheer/inloggen", "/stem", "/stem/qr", "/voorstellen/mijn"])
def test_staff_and_vote_pages_are_never_cached(client: FlaskClient, path: str) -> None:
    assert client.get(path).headers.get("Cache-Control") == "no-store"


def test_logged_in_staff_dashboard_is_not_cached(client: FlaskClient, login) -> None:
    login("clerk")
    assert client.get("/beheer/").headers.get("Cache-Control") == "no-store"


def test_public_results_list_may_be_cached(client: FlaskClient) -> None:
    assert client.get("/uitslag/").headers.get("Cache-Control") != "no-store"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/%2F/evil.example",
        "/%5cevil.example",
        "/ /evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_language_switch_stays_on_site(client: FlaskClient, target: str) -> None:
    response = client.get("/taal/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_with_encoded_slashes_stays_on_site(client: FlaskClient) -> None:
    for raw in ("/%2F/evil.example", "%2F%2Fevil.example", "/%252F/evil.example", "/%5C/evil"):
        response = client.get(f"/taal/nl?next={raw}")
        assert response.headers["Location"] == "/", raw


@pytest.mark.parametrize("raw", ["/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example"])
def test_language_switch_with_control_characters_is_a_400(client: FlaskClient, raw: str) -> None:
    response = client.get(f"/taal/nl?next={raw}")
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_language_switch_returns_to_a_local_page(client: FlaskClient) -> None:
    response = client.get("/taal/en", query_string={"next": "/uitslag/?x=1"})
    assert response.headers["Location"] == "/uitslag/?x=1"


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\n/evil.example", "/\r/x", "/\\/evil", "//x", "http:/x", "/ok\x7f"],
)
def test_local_path_refuses_what_browsers_would_read_as_another_site(target: str) -> None:
    assert local_path(target, "/") == "/"


def test_local_path_keeps_a_plain_path() -> None:
    assert local_path("/stem?lang=en", "/") == "/stem?lang=en"
