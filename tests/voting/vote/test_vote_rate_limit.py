"""Failed code attempts are rate-limited per client and over all clients together;
good codes, used codes and closed elections never count towards the limit."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import app_config
from tests.voting.vote.support import vote
from voting import codes, create_app
from voting.models import Election


def wrong_code() -> str:
    """Well-formed, right check character, on no letter: what a guesser sends."""
    return codes.generate()


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_ten_failed_attempts_a_minute_then_a_dutch_429(client: FlaskClient) -> None:
    for _ in range(10):
        assert client.post("/stem", data={"code": wrong_code()}).status_code == 422
    blocked = client.post("/stem", data={"code": wrong_code()})
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Te veel pogingen" in html
    assert "Wacht een paar minuten" in html
    # Only this client is blocked.
    other = client.application.test_client()
    response = other.post(
        "/stem", data={"code": wrong_code()}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert response.status_code == 422


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_only_failed_attempts_count(
    app: Flask,
    client: FlaskClient,
    make_election: Callable[..., Election],
    codes_for: Callable[[Election, int], list[str]],
) -> None:
    election = make_election(ballot_type="single")
    good, used = codes_for(election, 2)
    assert vote(app.test_client(), election, used, {"choice": "A"}).status_code == 303
    for _ in range(15):
        assert client.post("/stem", data={"code": used}).status_code == 409
        assert client.post("/stem", data={"code": good}).status_code == 303
    for _ in range(10):
        assert client.post("/stem", data={"code": wrong_code()}).status_code == 422
    assert client.post("/stem", data={"code": good}).status_code == 429


@pytest.mark.app_config(RATELIMIT_ENABLED=True, CODE_LIMIT_GLOBAL="5 per minute")
def test_global_limit_over_all_clients(client: FlaskClient) -> None:
    for number in range(5):
        response = client.post(
            "/stem", data={"code": wrong_code()}, environ_base={"REMOTE_ADDR": f"10.0.1.{number}"}
        )
        assert response.status_code == 422
    blocked = client.post(
        "/stem", data={"code": wrong_code()}, environ_base={"REMOTE_ADDR": "10.0.2.1"}
    )
    assert blocked.status_code == 429


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


@pytest.mark.parametrize(
    ("extra", "allowed", "many_addresses"),
    [
        pytest.param({}, 10, False, id="per-client-10-a-minute"),
        pytest.param({"CODE_LIMIT_GLOBAL": "4 per minute"}, 4, True, id="global-4-a-minute"),
    ],
)
def test_limits_are_shared_through_redis(
    database_url: str,
    tmp_path: Path,
    extra: dict[str, str],
    allowed: int,
    many_addresses: bool,
) -> None:
    """Two app instances (two workers) on one Redis share the count: the per-client
    limit of one address, and the global limit over many addresses."""
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis answers at REDIS_URL or 127.0.0.1:6379")
    settings = app_config(
        database_url,
        tmp_path / "instance",
        RATELIMIT_ENABLED=True,
        REDIS_URL=url,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=f"buurtstem-test-{uuid.uuid4().hex}",
        **extra,
    )

    def sent_from(number: int) -> dict[str, dict[str, str]]:
        address = f"10.9.{number // 200}.{number % 200}" if many_addresses else "10.9.9.9"
        return {"environ_base": {"REMOTE_ADDR": address}}

    workers = [create_app(settings), create_app(settings)]
    try:
        for number in range(allowed):
            client = workers[number % 2].test_client()
            answer = client.post("/stem", data={"code": wrong_code()}, **sent_from(number))
            assert answer.status_code == 422
        for worker in workers:
            answer = worker.test_client().post(
                "/stem", data={"code": wrong_code()}, **sent_from(allowed + 77)
            )
            assert answer.status_code == 429
    finally:
        for worker in workers:
            worker.extensions["db_engine"].dispose()


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_forwarded_for_is_ignored_without_trusted_proxies(client: FlaskClient) -> None:
    for number in range(10):
        headers = {"X-Forwarded-For": f"192.0.2.{number}"}
        assert client.post("/stem", data={"code": wrong_code()}, headers=headers).status_code == 422
    spoofed = {"X-Forwarded-For": "192.0.2.99"}
    assert client.post("/stem", data={"code": wrong_code()}, headers=spoofed).status_code == 429


@pytest.mark.app_config(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_resident_has_their_own_limit(client: FlaskClient) -> None:
    # The proxy appends the address it saw; whatever the client claimed comes before.
    one = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}
    for _ in range(10):
        assert client.post("/stem", data={"code": wrong_code()}, headers=one).status_code == 422
    assert client.post("/stem", data={"code": wrong_code()}, headers=one).status_code == 429
    other = {"X-Forwarded-For": "203.0.113.9, 198.51.100.2"}
    assert client.post("/stem", data={"code": wrong_code()}, headers=other).status_code == 422


def mistyped_code() -> str:
    """A real-looking code whose check character does not match: a typo."""
    code = codes.generate()
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_typos_caught_by_the_check_character_are_not_guesses(client: FlaskClient) -> None:
    for _ in range(30):
        response = client.post("/stem", data={"code": mistyped_code()})
        assert response.status_code != 429
    assert client.post("/stem", data={"code": wrong_code()}).status_code == 422


@pytest.mark.app_config(RATELIMIT_ENABLED=True, DESK_ADDRESSES="10.20.0.15, 10.21.0.0/24")
def test_town_hall_desks_are_not_held_to_the_per_client_limit(app: Flask) -> None:
    desk = app.test_client()
    for _ in range(15):
        response = desk.post(
            "/stem", data={"code": wrong_code()}, environ_base={"REMOTE_ADDR": "10.21.0.7"}
        )
        assert response.status_code == 422
    elsewhere = app.test_client()
    for _ in range(10):
        elsewhere.post(
            "/stem", data={"code": wrong_code()}, environ_base={"REMOTE_ADDR": "10.9.0.1"}
        )
    blocked = elsewhere.post(
        "/stem", data={"code": wrong_code()}, environ_base={"REMOTE_ADDR": "10.9.0.1"}
    )
    assert blocked.status_code == 429
