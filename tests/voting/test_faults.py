"""Faults survived: a private PostgreSQL restarted while residents vote through gunicorn,
and a private Redis restarted under code entry. Each server is started here, in a
temporary folder on a free port (the shared ones are never touched); without the
server programs the test is skipped with the reason.

(SIGKILL of the app during casting is tests/voting/test_cast_crash.py.)"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import app_config
from tools import loadtest
from voting import codes, create_app
from voting.models import Receipt, SealedBallot, VotingCode


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- a private PostgreSQL -----------------------------------------------------------------


@dataclass
class PrivatePostgres:
    """A PostgreSQL of this test alone: its folder, port, and how to run its tools."""

    folder: Path
    port: int
    run_as: list[str]

    @property
    def url(self) -> str:
        """SQLAlchemy URL of its ``buurtstem`` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/buurtstem"

    def ctl(self, *args: str) -> None:
        """Run ``pg_ctl`` on it (as the postgres user when we are root)."""
        subprocess.run(
            [*self.run_as, "pg_ctl", "-D", str(self.folder / "data"), "-w", *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        """Start it (again)."""
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=50"
        )
        self.ctl("-l", str(self.folder / "log"), "-o", options, "start")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """initdb + pg_ctl in a temporary folder; stopped and removed afterwards."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="buurtstem-pg-"))
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        try:
            shutil.chown(folder, "postgres")
        except (LookupError, PermissionError):
            pytest.skip("running as root and there is no postgres user")
        run_as = ["runuser", "-u", "postgres", "--"]
    server = PrivatePostgres(folder, _free_port(), run_as)
    initdb = ["initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
    subprocess.run(
        [*run_as, *initdb, "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.start()
    admin = create_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE buurtstem"))
    admin.dispose()
    try:
        yield server
    finally:
        subprocess.run(
            [*run_as, "pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Outcome:
    """One resident's visit: the receipt, or the status and page that stopped it."""

    code: str
    receipt: str = ""
    status: int = 0
    page: str = ""


RECEIPT = re.compile(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b")


def _visit(port: int, code: str) -> Outcome:
    """A whole visit like tools/loadtest.py's, stopping at the first refused answer."""
    browser = loadtest.Browser(port)
    steps = [("/stem", {"code": code}), ("/stem/stembiljet", {"choice": "A"})]
    steps.append(("/stem/controle", {}))
    try:
        status, location, page = browser.request("GET", "/stem")
        if status != 200:
            return Outcome(code, status=status, page=page)
        for action, fields in steps:
            form = {**loadtest.hidden_fields(page, action), **fields}
            status, location, page = browser.request("POST", action, form)
            if status in (302, 303):
                status, location, page = browser.request("GET", urlsplit(location).path)
            if status != 200:
                return Outcome(code, status=status, page=page)
        found = RECEIPT.search(page)
        return Outcome(code, receipt=found.group(0) if found else "", status=200, page=page)
    except OSError as error:
        return Outcome(code, status=-1, page=str(error))
    finally:
        browser.conn.close()


def test_postgres_restart_under_load(private_postgres: PrivatePostgres, tmp_path: Path) -> None:
    pytest.importorskip("gunicorn")
    letters = loadtest.prepare(private_postgres.url, tmp_path, 90)
    first, later = letters[:70], letters[70:]
    config = loadtest.settings(private_postgres.url, tmp_path)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    with loadtest.gunicorn(loadtest._app_line("create_app", config), tmp_path, 2, 2) as port:
        loadtest.warm_up(port, "/stem", "GET", 8)
        work: queue.Queue[str] = queue.Queue()
        for code in first:
            work.put(code)

        def client() -> None:
            while True:
                try:
                    code = work.get_nowait()
                except queue.Empty:
                    return
                outcome = _visit(port, code)
                with lock:
                    outcomes.append(outcome)
                time.sleep(0.05)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        while sum(1 for o in outcomes if o.receipt) < 15:
            time.sleep(0.05)
        # Down for two seconds while four residents keep voting, then back.
        private_postgres.ctl("-m", "fast", "stop")
        time.sleep(2)
        private_postgres.start()
        for thread in threads:
            thread.join()
        # The app reconnects by itself: every resident after the restart votes.
        after = [_visit(port, code) for code in later]
    answered = {o.receipt for o in outcomes if o.receipt}
    refused = [o for o in outcomes if not o.receipt]
    assert not [o for o in refused if o.status == 500], "a 500 during the restart"
    assert refused, "the restart fell between requests: no visit met it"
    for outcome in refused:
        # A clear page, not a crash: 503 with "try again" (or the connection was cut
        # while gunicorn's worker waited on the database).
        assert outcome.status in (503, -1), (outcome.status, outcome.page[:300])
        if outcome.status == 503:
            assert "Probeer het over een minuut opnieuw" in outcome.page
    assert any(o.status == 503 for o in refused)
    assert all(o.receipt for o in after), [o.status for o in after if not o.receipt]

    engine = create_engine(private_postgres.url)
    with engine.connect() as conn:
        stored = set(conn.scalars(select(Receipt.receipt)))
        used = dict(conn.execute(select(VotingCode.code_hash, VotingCode.used_at)).all())
        sealed = conn.scalar(select(func.count()).select_from(SealedBallot))
    engine.dispose()
    # Every ballot answered with a receipt is kept, before and after the restart.
    assert answered | {o.receipt for o in after} <= stored
    # One sealed ballot per receipt per used code: nothing half-stored.
    used_codes = sum(1 for moment in used.values() if moment is not None)
    assert sealed == len(stored) == used_codes
    # A refused resident's code stays unused unless their cast had been committed
    # when the connection broke; then they find their receipt on trying again.
    unused_refused = [o for o in refused if used[codes.code_hash(loadtest.PEPPER, o.code)] is None]
    assert len(refused) - len(unused_refused) == len(stored) - len(answered) - len(after)


# --- a private Redis ---------------------------------------------------------------------


def _redis_command(port: int, folder: Path) -> list[str]:
    return [
        *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
        *("--save", "", "--appendonly", "no", "--dir", str(folder)),
    ]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A redis-server on a free port, no persistence; the list holds the running one so
    the test can stop and start it."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    pytest.importorskip("redis")
    port = _free_port()
    running: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        running.append(
            subprocess.Popen(
                _redis_command(port, tmp_path),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        import redis

        for _ in range(100):
            try:
                redis.Redis(port=port, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    start()
    try:
        yield port, running
    finally:
        for server in running:
            server.terminate()
            server.wait(timeout=10)


def test_redis_restart_under_code_entry(
    private_redis: tuple[int, list[subprocess.Popen[bytes]]],
    database_url: str,
    tmp_path: Path,
) -> None:
    import redis

    port, running = private_redis
    url = f"redis://127.0.0.1:{port}/0"
    prefix = f"buurtstem-fault-{uuid.uuid4().hex}"
    settings = app_config(
        database_url,
        tmp_path / "instance",
        RATELIMIT_ENABLED=True,
        REDIS_URL=url,
        RATELIMIT_STORAGE_URI=url,
        CODE_LIMIT_PER_CLIENT="3 per minute",
        RATELIMIT_KEY_PREFIX=prefix,
    )
    app = create_app(settings)
    client = app.test_client()
    store = redis.Redis(port=port)

    def wrong(address: str) -> int:
        sent = {"code": codes.generate()}
        return client.post("/stem", data=sent, environ_base={"REMOTE_ADDR": address}).status_code

    try:
        assert [wrong("10.1.0.1") for _ in range(4)] == [422, 422, 422, 429]
        assert store.keys(f"*{prefix}*"), "the limit was not kept in Redis"
        # Redis goes away: code entry keeps answering, limited per worker.
        running[-1].terminate()
        running[-1].wait(timeout=10)
        assert [wrong("10.1.0.2") for _ in range(4)] == [422, 422, 422, 429]
        # Redis comes back, empty: the app uses it again by itself.
        start_again = subprocess.Popen(
            _redis_command(port, tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        running.append(start_again)
        for _ in range(100):
            try:
                store.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        deadline = time.monotonic() + 60
        while not store.keys(f"*{prefix}*") and time.monotonic() < deadline:
            assert wrong(f"10.1.1.{int(time.monotonic()) % 200}") in (422, 429)
            time.sleep(0.5)
        assert store.keys(f"*{prefix}*"), "the app did not go back to Redis"
        assert [wrong("10.1.0.3") for _ in range(4)] == [422, 422, 422, 429]
    finally:
        app.extensions["db_engine"].dispose()
