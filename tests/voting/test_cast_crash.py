"""SIGKILL a real gunicorn (voting/gunicorn_conf.py) while residents press "confirm":
after the crash and after a restart, a code is used if and only if its ballot is in the
sealed box with a receipt -- no code used without a ballot, no ballot without a used
code -- and every resident who retries ends with exactly one counted ballot.

To be sure the kill lands inside a cast, the test's server sleeps in every cast
between marking the code used and inserting the sealed ballot (a SQLAlchemy hook in
the test's own WSGI file, never in the app), and each cast leaves a marker file there;
the kill comes while at least one cast is asleep at that point, and the test checks
that one was. Runs on SQLite, and on PostgreSQL when DATABASE_URL points there."""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_PEPPER
from tests.voting.box_support import close_and_open_box
from tests.voting.vote.support import add_codes
from voting.models import Election, Receipt, SealedBallot, VotingCode

REPO = Path(__file__).resolve().parents[2]
RESIDENTS = 24
# A receipt as the receipt page prints it (voting.casting.new_receipt).
RECEIPT = re.compile(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b")

WSGI = """\
import os, random, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
from voting import create_app

MARKS = os.environ["CRASH_MARKS"]
DELAY = float(os.environ.get("CRASH_DELAY", "0"))


@event.listens_for(Engine, "before_cursor_execute")
def _inside_the_cast(conn, cursor, statement, parameters, context, executemany):
    # The code is marked used in this transaction; the ballot is not stored yet.
    if DELAY and statement.lstrip().upper().startswith("INSERT INTO SEALED_BALLOTS"):
        # Some casts are quick and commit, others sleep here until the kill; the
        # marker says which, and when (the monotonic clock is the machine's).
        slow = random.random() < 0.5
        name = f"{{os.getpid()}}-{{time.monotonic_ns()}}-{{'slow' if slow else 'quick'}}"
        with open(os.path.join(MARKS, name), "w"):
            pass
        time.sleep(DELAY if slow else DELAY / 25)


app = create_app({config!r})
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep a 303 as the answer: the test reads where it points."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Resident:
    """One browser: its own cookies (the encrypted vote state lives in them)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, Location, body); raises OSError when the server is gone."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            try:
                with self.opener.open(self.base + path, data=body, timeout=30) as response:
                    return response.status, "", response.read().decode()
            except urllib.error.HTTPError as answer:
                return answer.code, answer.headers.get("Location", ""), answer.read().decode()
        except http.client.HTTPException as cut:
            # Killed halfway through its answer: to the resident that is a failed page.
            raise ConnectionError(str(cut)) from cut


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Callable[[float], tuple[str, int]]]:
    """``server(delay)`` starts gunicorn (2 workers x 8 threads under the project's
    gunicorn_conf) on the test database; returns its base URL and its process group
    (the test kills it; whatever is left is killed at the end)."""
    pytest.importorskip("gunicorn")
    marks = tmp_path / "marks"
    marks.mkdir()
    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "crash-test-secret",
        "CODE_PEPPER": TEST_PEPPER,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    (tmp_path / "crash_app.py").write_text(WSGI.format(config=config), encoding="utf-8")
    started: list[subprocess.Popen[bytes]] = []

    def start(delay: float) -> tuple[str, int]:
        port = _free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:voting.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "8",
                "--chdir",
                str(tmp_path),
                "crash_app:app",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={
                **os.environ,
                "PYTHONPATH": str(REPO),
                "CRASH_MARKS": str(marks),
                "CRASH_DELAY": str(delay),
            },
            # Its own process group: the kill reaches the master and every worker.
            start_new_session=True,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(200):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                return base, process.pid
            except OSError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _state(session: Session, election: Election) -> tuple[int, int, int]:
    """(used codes, sealed ballots, receipts) of ``election``, as committed."""
    session.rollback()
    session.expire_all()
    used = session.scalar(
        select(func.count())
        .select_from(VotingCode)
        .where(VotingCode.election_id == election.id, VotingCode.used_at.is_not(None))
    )
    sealed = session.scalar(
        select(func.count())
        .select_from(SealedBallot)
        .where(SealedBallot.election_id == election.id)
    )
    receipts = session.scalar(
        select(func.count()).select_from(Receipt).where(Receipt.election_id == election.id)
    )
    session.rollback()
    return int(used or 0), int(sealed or 0), int(receipts or 0)


def test_sigkill_mid_cast_leaves_no_half_cast_ballot(
    server: Callable[[float], tuple[str, int]],
    make_election: Callable[..., Election],
    db_session: Session,
    tmp_path: Path,
) -> None:
    election = make_election(ballot_type="single", rule="plurality")
    codes = add_codes(db_session, election, RESIDENTS)
    base, group = server(0.5)
    residents = [Resident(base) for _ in codes]
    for resident, code in zip(residents, codes, strict=True):
        assert resident.request("/stem", {"code": code})[0] == 303
        status, where, _body = resident.request(
            "/stem/stembiljet", {"election": str(election.id), "choice": "B"}
        )
        assert status == 303 and where.endswith("/stem/controle"), (status, where)

    # Everyone presses "confirm" at once; the server is killed while casts sleep
    # inside their transaction.
    answers: dict[int, int] = {}
    start = threading.Barrier(RESIDENTS)

    def confirm(number: int) -> None:
        start.wait()
        # OSError: the server died under this request, the resident saw an error.
        with contextlib.suppress(OSError):
            answers[number] = residents[number].request(
                "/stem/controle", {"election": str(election.id)}
            )[0]

    marks = tmp_path / "marks"
    with ThreadPoolExecutor(max_workers=RESIDENTS) as pool:
        futures = [pool.submit(confirm, n) for n in range(RESIDENTS)]
        deadline = time.monotonic() + 60
        # Kill once some casts have been answered and a slow one is surely asleep
        # inside its transaction (it sleeps 0.5 s; its marker is 20-300 ms old).
        while time.monotonic() < deadline:
            done = sum(1 for status in list(answers.values()) if status == 303)
            now = time.monotonic_ns()
            asleep = [
                m
                for m in marks.iterdir()
                if m.name.endswith("-slow") and 2e7 < now - int(m.name.split("-")[1]) < 3e8
            ]
            if done >= 2 and asleep:
                break
            time.sleep(0.002)
        inside = len(list(marks.iterdir()))
        # Kill -9 the whole server: master and workers, no clean-up of any kind.
        os.killpg(group, signal.SIGKILL)
        for future in futures:
            future.result(timeout=60)
    assert inside >= 3, "the kill came before casts were inside their transaction"

    # Right after the crash: every used code has its sealed ballot and its receipt.
    used, sealed, receipts = _state(db_session, election)
    assert used == sealed == receipts, (used, sealed, receipts)
    # At least one cast had marked its code used and was killed before committing;
    # its code is unused again (the transaction rolled back, nothing half-done).
    assert inside > used, (inside, used)
    assert used < RESIDENTS
    answered = [n for n, status in answers.items() if status == 303]
    assert 2 <= len(answered) <= used  # casts answered before the kill are kept

    # After a restart every resident retries "confirm" with the browser they had: a
    # ballot whose answer was lost is found by its receipt, the others are cast now.
    base, _group = server(0)
    receipts_seen = set()
    for resident in residents:
        resident.base = base
        status, where, _body = resident.request("/stem/controle", {"election": str(election.id)})
        assert status == 303 and where.endswith("/stem/bewijs"), (status, where)
        status, _where, page = resident.request("/stem/bewijs")
        assert status == 200
        [receipt] = set(RECEIPT.findall(page))
        receipts_seen.add(receipt)
    assert len(receipts_seen) == RESIDENTS  # one ballot each, none twice
    assert _state(db_session, election) == (RESIDENTS, RESIDENTS, RESIDENTS)
    stored = set(
        db_session.scalars(select(Receipt.receipt).where(Receipt.election_id == election.id))
    )
    assert stored == receipts_seen
    # And the box opens into exactly one ballot per used code.
    assert close_and_open_box(db_session, election) == RESIDENTS
