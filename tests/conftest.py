"""Fixtures shared by every test: an app on clean tables, a client, staff logins and
an election factory.

The database is SQLite in a temporary folder unless ``DATABASE_URL`` points at
another server (CI runs the suite a second time against PostgreSQL). The schema is
built once per run with the real Alembic migrations; every test starts from empty
tables.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tests import url_builders
from tests.box_shares import BOX_SHARES
from voting import ballot_box, create_app
from voting.migrate import upgrade
from voting.models import Base, Election, Option, StaffUser, utcnow

url_builders.install()

REPO = Path(__file__).resolve().parents[1]
# Debian's chromium, driven by Playwright; never a browser download. Without the
# background-networking flags it keeps trying to reach Google on a closed network.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHARED_DATA = REPO.parent / "shared" / "data"
# A 320 px wide phone, the narrowest screen resident pages must fit.
PHONE = {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1}

TEST_PEPPER = "test-pepper-not-secret"
STAFF_PASSWORD = "correct horse battery"


def external_database_url() -> str | None:
    """The server database CI asked for, or None for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url and not url.startswith("sqlite") else None


@pytest.fixture(scope="session")
def server_database_url() -> Iterator[str | None]:
    """A private database on the server ``DATABASE_URL`` names, made for this test
    run and dropped after it, so parallel runs (and xdist workers) never share
    tables. None when the tests run on SQLite."""
    url = external_database_url()
    if url is None:
        yield None
        return
    base = make_url(url)
    name = f"buurtstem_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_template(
    tmp_path_factory: pytest.TempPathFactory, server_database_url: str | None
) -> str:
    """Migrate an empty database once: a SQLite file copied per test, or the private
    server database."""
    if server_database_url is None:
        path = tmp_path_factory.mktemp("db") / "template.db"
        engine = create_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        return str(path)
    engine = create_engine(server_database_url)
    upgrade(engine)
    engine.dispose()
    return server_database_url


def reset_server_schema(engine: Engine) -> None:
    """Drop every Buurtstem table (and the audit trigger function) on a server DB."""
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        conn.execute(text("DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE"))


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    """A database with the current schema and no rows."""
    if external_database_url() is None:
        copy = tmp_path / "buurtstem.db"
        shutil.copy(database_template, copy)
        return f"sqlite:///{copy}"
    engine = create_engine(database_template)
    with engine.begin() as conn:
        # A request the previous test left open (a streamed answer it read but did not
        # close) still holds its transaction's locks: fail with that message instead
        # of waiting forever. Close such answers (``with client.get(...) as r:``).
        conn.execute(text("SET LOCAL lock_timeout = '20s'"))
        # Only the tables the last test filled: TRUNCATE costs about 2 ms a table even
        # when it is empty, and a test fills a few of the 28 (50 ms -> 10 ms a test).
        # TRUNCATE does not fire the append-only row triggers of the audit log.
        filled = list(conn.scalars(_FILLED_TABLES))
        if filled:
            conn.execute(text(f"TRUNCATE {', '.join(filled)} CASCADE"))
        # Ids start at 1 again in every table, also where a rolled-back insert moved
        # the sequence of a table that is empty now.
        conn.execute(_RESTART_SEQUENCES)
    engine.dispose()
    return database_template


_FILLED_TABLES = text(
    " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})"
        for t in Base.metadata.sorted_tables
    )
)
_RESTART_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def app_config(database_url: str, instance: Path, **overrides: Any) -> dict[str, Any]:
    """The test configuration (CSRF and rate limits on unless a test turns them off)."""
    config: dict[str, Any] = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "CODE_PEPPER": TEST_PEPPER,
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MUNICIPALITY": "Gemeente Duiven",
        "PUBLIC_BASE_URL": "http://localhost",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on clean tables. ``@pytest.mark.app_config(KEY=value)`` overrides
    settings, e.g. ``WTF_CSRF_ENABLED=True``."""
    marker = request.node.get_closest_marker("app_config")
    overrides = dict(marker.kwargs) if marker else {}
    flask_app = create_app(app_config(database_url, tmp_path / "instance", **overrides))
    yield flask_app
    flask_app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``voting`` commands against the test app."""
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session on the test database, outside any request."""
    session: Session = app.extensions["db_sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def make_staff(db_session: Session) -> Callable[..., StaffUser]:
    """Create a staff user: ``make_staff("clerk")``; password is STAFF_PASSWORD."""

    def make(role: str, username: str | None = None) -> StaffUser:
        user = StaffUser(username=username or f"{role}1", display_name=role.title(), role=role)
        user.set_password(STAFF_PASSWORD)
        db_session.add(user)
        db_session.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient, make_staff: Callable[..., StaffUser]) -> Callable[..., StaffUser]:
    """Log the test client in as a new staff user of ``role``."""

    def do_login(role: str = "clerk", username: str | None = None) -> StaffUser:
        user = make_staff(role, username)
        response = client.post(
            "/beheer/inloggen", data={"username": user.username, "password": STAFF_PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do_login


@pytest.fixture
def make_election(db_session: Session) -> Callable[..., Election]:
    """Create an election with options. Defaults: an open ranked referendum with
    options A, B, C. For budgets pass ``kind="budget"`` and ``costs=[...]``."""

    def make(
        *,
        options: list[str] | None = None,
        costs: list[int] | None = None,
        box: bool = True,
        **fields: Any,
    ) -> Election:
        kind = fields.get("kind", "referendum")
        defaults: dict[str, Any] = {
            "slug": f"test-{kind}-{len(db_session.new)}-{utcnow().timestamp()}",
            "title": "Testverkiezing",
            "question": "Welk plan kiest u?",
            "kind": kind,
            "ballot_type": "budget" if kind == "budget" else "ranked",
            "rule": "greedy" if kind == "budget" else "irv",
            "budget": 50_000 if kind == "budget" else None,
            "phase": "voting",
            "opens_at": utcnow() - timedelta(hours=1),
            "closes_at": utcnow() + timedelta(days=7),
            "tie_break_seed": "test-seed",
        }
        defaults.update(fields)
        election = Election(**defaults)
        titles = options or (
            [f"Voorstel {i}" for i in range(1, len(costs) + 1)] if costs else ["A", "B", "C"]
        )
        for position, title in enumerate(titles):
            key = title if len(title) <= 3 else f"P{position + 1:02d}"
            cost = costs[position] if costs else 0
            election.options.append(Option(key=key, position=position, title=title, cost=cost))
        db_session.add(election)
        db_session.commit()
        if box and election.phase in ("draft", "proposals", "review", "voting"):
            # Voting needs a sealed ballot box; a test one opens with one share.
            shares = ballot_box.make_box(
                db_session, election, holder_names=["Test"], threshold=1, actor="test"
            )
            BOX_SHARES[election.id] = [share.text for share in shares]
        return election

    return make


def closing_body(app: Any) -> Any:
    """Wrap a WSGI app so every response body is closed, even when the client drops
    the connection mid-response.

    Werkzeug's development server skips ``close()`` on the body when the write to a
    dropped socket fails (Chromium aborts a favicon fetch when it navigates on), so
    an open static file was left to the garbage collector and the run's
    ``filterwarnings = error`` turned its ResourceWarning into a failed browser test.
    gunicorn, which serves the real app, always closes; this makes the test server
    do the same: the generator's ``finally`` runs when the server drops it."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wrapped


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free local port in a thread (for the browser tests, and for
    mail links: ``PUBLIC_BASE_URL`` points at it); yields its base URL."""
    server = make_server("127.0.0.1", 0, closing_body(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run: Playwright's sync API allows a single running
    instance per thread, so every browser test shares this one."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def open_page(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """``open_page(js=True, size=PHONE)``: a fresh browser context and page on the live
    server; collects console errors (a CSP violation shows up there) and page errors,
    and fails the test if any happened."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(js: bool = True, size: dict[str, Any] | None = None) -> Any:
        context = browser.new_context(
            java_script_enabled=js, base_url=live_server, locale="nl-NL", **(size or PHONE)
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        # A CSP refusal is logged to the console; 4xx pages also log "failed to
        # load resource", which is expected here.
        page.on(
            "console",
            lambda message: (
                errors.append(message.text)
                if message.type == "error" and "Failed to load resource" not in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], errors
