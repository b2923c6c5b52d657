"""The global limit on failed codes never locks out a correct code, and limits keep
working (per worker, with a warning in the log) when Redis does not answer."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import STAFF_PASSWORD
from voting import codes
from voting.models import Election, StaffUser

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def wrong_code() -> str:
    """Well-formed, right check character, on no letter: what a guesser sends."""
    return codes.generate()


def _from(number: int) -> dict[str, dict[str, str]]:
    return {"environ_base": {"REMOTE_ADDR": f"10.9.{number // 200}.{number % 200}"}}


@pytest.mark.app_config(RATELIMIT_ENABLED=True, CODE_LIMIT_GLOBAL="5 per minute")
def test_correct_code_goes_through_when_the_global_limit_is_used_up(
    client: FlaskClient,
    make_election: Callable[..., Election],
    codes_for: Callable[[Election, int], list[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    election = make_election(ballot_type="single")
    (good,) = codes_for(election, 1)
    for number in range(5):
        assert client.post("/stem", data={"code": wrong_code()}, **_from(number)).status_code == 422
    with caplog.at_level(logging.WARNING, logger="voting.code_limits"):
        guessed = client.post("/stem", data={"code": wrong_code()}, **_from(50))
    assert guessed.status_code == 429
    assert "Te veel pogingen" in guessed.get_data(as_text=True)
    assert "used up" in caplog.text  # loud: the operator sees the guessing
    resident = client.application.test_client()
    assert resident.post("/stem", data={"code": good}, **_from(99)).status_code == 303


@pytest.mark.app_config(
    RATELIMIT_ENABLED=True, REDIS_URL=CLOSED_PORT, RATELIMIT_STORAGE_URI=CLOSED_PORT
)
def test_redis_down_code_entry_and_login_keep_working(
    app: Flask,
    client: FlaskClient,
    make_election: Callable[..., Election],
    codes_for: Callable[[Election, int], list[str]],
    make_staff: Callable[..., StaffUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    election = make_election(ballot_type="single")
    (good,) = codes_for(election, 1)
    make_staff("clerk")
    with caplog.at_level(logging.WARNING):
        assert client.post("/stem", data={"code": wrong_code()}).status_code == 422
        assert client.post("/stem", data={"code": good}).status_code == 303
        staff = app.test_client()
        login = staff.post(
            "/beheer/inloggen", data={"username": "clerk1", "password": STAFF_PASSWORD}
        )
        assert login.status_code == 302
    assert "falling back to in-memory" in caplog.text or "unreachable" in caplog.text


@pytest.mark.app_config(
    RATELIMIT_ENABLED=True, REDIS_URL=CLOSED_PORT, RATELIMIT_STORAGE_URI=CLOSED_PORT
)
def test_redis_down_the_per_client_limit_still_holds_in_the_worker(client: FlaskClient) -> None:
    for _ in range(10):
        assert client.post("/stem", data={"code": wrong_code()}).status_code == 422
    assert client.post("/stem", data={"code": wrong_code()}).status_code == 429
