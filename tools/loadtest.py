"""Load test: residents voting through the real app, beside a ceiling app that does only
the cast's database work, in the same run, on loopback.

    nice -n 10 python tools/loadtest.py [--clients 50] [--visits 1000]
                                        [--database URL] [--workers N] [--threads N]

Both apps run under gunicorn with ``voting/gunicorn_conf.py`` and the same workers and
threads (by default the configuration's: one worker per core, four threads), on the
same database (a fresh SQLite file in a temporary folder unless ``--database`` names
an empty PostgreSQL database). The real app gets the resident's whole visit, seven
requests as a browser makes them: the code form, the code, the ballot form, the
ballot, the review, the confirmation, the receipt (CSRF tokens and the session cookie
as a browser keeps them). The ceiling app is the thinnest Flask app doing the same
database work in one POST: look the code up, seal the ballot, mark the code used,
store ballot and receipt (``voting.casting``).

Printed: completed visits per second against ceiling casts per second and their
ratio (target at least 0.15), p50/p95/p99 per request for each (target p99 under
300 ms for the real app), and the SQL statements one visit costs, counted with
SQLAlchemy's ``before_cursor_execute`` event in this process (target at most 5),
and the CPU time per visit (per cast) of the server's processes and of the load
generator (this process), to tell a slow app from a busy machine or a costly client.
Before the clock starts each app gets as many untimed visits (casts) as there are
clients, so every worker has compiled its templates and statements.
``tests/tools/test_loadtest.py`` runs a small version in CI.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import queue
import random
import re
import secrets
import socket
import statistics
import subprocess  # nosec B404 - starts our own servers with argument lists
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

PEPPER = "loadtest-pepper-not-secret"
SECRET = "loadtest-secret-not-secret"  # nosec B105 - a throwaway load-test app
SLUG = "loadtest"
OPTIONS = ("A", "B", "C")
TARGET_RATIO = 0.15
TARGET_P99_MS = 300.0
TARGET_SQL = 5


def settings(database: str, folder: Path) -> dict[str, Any]:
    """The app settings both apps run with."""
    return {
        "DATABASE_URL": database,
        "SECRET_KEY": SECRET,
        "CODE_PEPPER": PEPPER,
        "INSTANCE_PATH": str(folder / "instance"),
        "SIGNING_KEY_PATH": str(folder / "signing" / "private.pem"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
    }


def prepare(database: str, folder: Path, voters: int) -> list[str]:
    """An open single-choice referendum with a sealed box and ``voters`` residents,
    each with a letter code; returns the codes (as printed on letters)."""
    from sqlalchemy import insert, select

    from voting import ballot_box, codes, create_app, db
    from voting.migrate import upgrade
    from voting.models import Election, Option, RollEntry, VotingCode, utcnow

    app = create_app(settings(database, folder))
    with app.app_context():
        upgrade(db.engine(), "head")
        with db.new_session() as session:
            election = session.scalar(select(Election).where(Election.slug == SLUG))
            if election is None:
                election = Election(
                    slug=SLUG,
                    title="Belastingproef",
                    question="Welk plan kiest u?",
                    kind="referendum",
                    ballot_type="single",
                    rule="plurality",
                    phase="draft",
                    opens_at=utcnow() - timedelta(hours=1),
                    closes_at=utcnow() + timedelta(days=1),
                    tie_break_seed="loadtest",
                )
                for position, key in enumerate(OPTIONS):
                    election.options.append(Option(key=key, position=position, title=f"Plan {key}"))
                session.add(election)
                session.commit()
                ballot_box.make_box(
                    session, election, holder_names=["Proef"], threshold=1, actor="loadtest"
                )
                election.phase = "voting"
                session.commit()
            election_id = election.id
        now = utcnow()
        letters = [codes.generate() for _ in range(voters)]
        with db.engine().begin() as conn:
            roll_ids = []
            for start in range(0, voters, 5000):
                part = [
                    {
                        "election_id": election_id,
                        "voter_key": secrets.token_hex(32),
                        "added_at": now,
                    }
                    for _ in range(min(5000, voters - start))
                ]
                conn.execute(insert(RollEntry), part)
            roll_ids = list(
                conn.scalars(
                    select(RollEntry.id)
                    .where(RollEntry.election_id == election_id)
                    .order_by(RollEntry.id.desc())
                    .limit(voters)
                )
            )
            conn.execute(
                insert(VotingCode),
                [
                    {
                        "election_id": election_id,
                        "roll_entry_id": roll_id,
                        "code_hash": codes.code_hash(PEPPER, code),
                        "issued_at": now,
                    }
                    for roll_id, code in zip(roll_ids, letters, strict=True)
                ],
            )
    app.extensions["db_engine"].dispose()
    return [codes.formatted(c) for c in letters]


# --- the ceiling app --------------------------------------------------------------------


def ceiling_app(config: dict[str, Any]) -> Any:
    """The thinnest Flask app that does a cast's database work in one POST ``/cast``
    (form fields ``code`` and ``choice``): the same code look-up and the same cast
    transaction as the real app, nothing else (no pages, sessions, CSRF or limits)."""
    from flask import Flask, request

    from voting import casting, db

    app = Flask("ceiling")
    app.config.update(config)
    db.init_app(app)

    @app.post("/cast")
    def cast() -> tuple[str, int]:
        session = db.session()
        check = casting.look_up_code(session, PEPPER, request.form.get("code", ""))
        if check.outcome is not casting.CodeOutcome.OK or check.election is None:
            return check.outcome.value, 409
        assert check.code_hash is not None
        receipt = casting.cast_ballot(
            session, check.election, check.code_hash, [request.form["choice"]], "online"
        )
        return receipt, 200

    return app


# --- clients ----------------------------------------------------------------------------


# The load generator shares the two cores with the servers, so it reads pages with
# three regular expressions instead of an HTML parser (which cost it about as much CPU
# per page as the server spent making the page): only the hidden inputs of one form
# are needed, and the pages are ours.
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form\s*>", re.IGNORECASE | re.DOTALL)
_INPUT = re.compile(r"<input\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'=<>/]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


def _attributes(text: str) -> dict[str, str]:
    return {
        match[1].lower(): html.unescape(match[2] or match[3] or match[4] or "")
        for match in _ATTRIBUTE.finditer(text)
    }


def hidden_fields(page: str, action: str) -> dict[str, str]:
    """The hidden fields (CSRF token, election, visit) of the form posting to ``action``
    (``""`` for a form without an action)."""
    for form in _FORM.finditer(page):
        if _attributes(form[1]).get("action", "") != action:
            continue
        fields = {}
        for tag in _INPUT.finditer(form[2]):
            found = _attributes(tag[1])
            if found.get("type", "").lower() == "hidden":
                fields[found.get("name", "")] = found.get("value", "")
        return fields
    return {}


@dataclass
class Tally:
    """What the clients saw: latencies per request (ms), finished visits, failures."""

    latencies: list[float] = field(default_factory=list)
    done: int = 0
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latencies: list[float], ok: bool, why: str = "") -> None:
        """One visit's requests and how it ended."""
        with self.lock:
            self.latencies.extend(latencies)
            if ok:
                self.done += 1
            else:
                self.failed.append(why)


class Browser:
    """One resident's browser on a keep-alive connection: a cookie jar of one
    cookie, redirects followed by hand, every request timed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        self.times: list[float] = []

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """One request; returns status, Location and body."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        self.times.append((time.perf_counter() - started) * 1000)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), data

    def follow(self, method: str, path: str, form: dict[str, str] | None = None) -> str:
        """A request and the redirect after it (Post/Redirect/Get): the final page."""
        status, location, body = self.request(method, path, form)
        if status in (302, 303):
            path = location.split("://", 1)[-1]
            path = path[path.index("/") :] if "://" in location else location
            status, _location, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status}")
        return body


def visit(port: int, code: str, rng: random.Random) -> tuple[list[float], str]:
    """A resident's whole visit through the real app; returns the request times and
    the receipt page."""
    browser = Browser(port)
    try:
        page = browser.follow("GET", "/stem")
        form = hidden_fields(page, "/stem")
        page = browser.follow("POST", "/stem", {**form, "code": code})
        form = hidden_fields(page, "/stem/stembiljet")
        page = browser.follow("POST", "/stem/stembiljet", {**form, "choice": rng.choice(OPTIONS)})
        form = hidden_fields(page, "/stem/controle")
        page = browser.follow("POST", "/stem/controle", form)
        return browser.times, page
    finally:
        browser.conn.close()


def cast_once(port: int, code: str, rng: random.Random) -> tuple[list[float], str]:
    """One cast through the ceiling app."""
    browser = Browser(port)
    try:
        status, _location, body = browser.request(
            "POST", "/cast", {"code": code, "choice": rng.choice(OPTIONS)}
        )
        if status != 200:
            raise RuntimeError(f"cast: {status} {body[:80]}")
        return browser.times, body
    finally:
        browser.conn.close()


def warm_up(port: int, path: str, method: str, times: int) -> None:
    """A few untimed requests so every worker has imported, compiled its templates
    and opened its database connections before the clock starts."""
    for _ in range(times):
        browser = Browser(port)
        try:
            browser.request(method, path, {"code": "-"} if method == "POST" else None)
        except (http.client.HTTPException, OSError):
            time.sleep(0.2)
        finally:
            browser.conn.close()


def drive(
    one: Callable[[int, str, random.Random], tuple[list[float], str]],
    port: int,
    letters: list[str],
    clients: int,
) -> tuple[Tally, float]:
    """``clients`` threads working through ``letters``; returns the tally and seconds."""
    work: queue.Queue[str] = queue.Queue()
    for code in letters:
        work.put(code)
    tally = Tally()

    def client(number: int) -> None:
        rng = random.Random(number)
        while True:
            try:
                code = work.get_nowait()
            except queue.Empty:
                return
            try:
                times, _page = one(port, code, rng)
                tally.add(times, True)
            except Exception as error:  # a failed visit is counted and shown, not fatal
                tally.add([], False, str(error)[:120])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - started


# --- servers ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) used so far by process ``pid`` and every process
    below it (a gunicorn master and its workers), from ``/proc``; 0.0 where there is
    no ``/proc``."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text(encoding="ascii")
            # Fields after the command name (which may hold spaces) in brackets.
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text(encoding="ascii").split()
                pending.extend(int(child) for child in children)
        except (OSError, IndexError, ValueError):
            continue
    return total


@contextmanager
def gunicorn(app_line: str, folder: Path, workers: int, threads: int) -> Iterator[int]:
    """A gunicorn with voting/gunicorn_conf.py serving ``app_line`` (Python that sets
    ``app``); yields its port."""
    with gunicorn_process(app_line, folder, workers, threads) as (port, _pid):
        yield port


@contextmanager
def gunicorn_process(
    app_line: str, folder: Path, workers: int, threads: int
) -> Iterator[tuple[int, int]]:
    """:func:`gunicorn`, yielding its port and the master's process id."""
    name = f"loadtest_app_{secrets.token_hex(3)}"
    (folder / f"{name}.py").write_text(app_line, encoding="utf-8")
    port = _free_port()
    log = open(folder / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(  # nosec B603 - our own server, argument list
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:voting.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--chdir",
            str(folder),
            f"{name}:app",
        ],
        stdout=log,
        stderr=log,
        env={**os.environ, "PYTHONPATH": str(_ROOT)},
    )
    try:
        for _attempt in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _app_line(factory: str, config: dict[str, Any]) -> str:
    return (
        f"import sys\nsys.path.insert(0, {str(_ROOT)!r})\n"
        f"from tools.loadtest import ceiling_app\nfrom voting import create_app\n"
        f"app = {factory}({config!r})\n"
    )


# --- SQL statements per visit -----------------------------------------------------------


def sql_per_visit(database: str, folder: Path, letters: list[str]) -> float:
    """The SQL statements one visit costs, counted in this process on the real app
    (Flask's test client) with SQLAlchemy's ``before_cursor_execute`` event."""
    from sqlalchemy import event

    from voting import create_app

    app = create_app(settings(database, folder))
    engine = app.extensions["db_engine"]
    seen: list[str] = []

    def count(*_args: Any) -> None:
        seen.append("")

    rng = random.Random(1)
    # The first visit of a fresh worker reads what it caches; count the ones after it.
    _client_visit(app, letters[0], rng)
    event.listen(engine, "before_cursor_execute", count)
    try:
        for code in letters[1:]:
            _client_visit(app, code, rng)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    return len(seen) / max(1, len(letters) - 1)


def _client_visit(app: Any, code: str, rng: random.Random) -> None:
    client = app.test_client()
    page = client.get("/stem").get_data(as_text=True)
    page = client.post(
        "/stem", data={**hidden_fields(page, "/stem"), "code": code}, follow_redirects=True
    ).get_data(as_text=True)
    form = hidden_fields(page, "/stem/stembiljet")
    page = client.post(
        "/stem/stembiljet", data={**form, "choice": rng.choice(OPTIONS)}, follow_redirects=True
    ).get_data(as_text=True)
    done = client.post(
        "/stem/controle", data=hidden_fields(page, "/stem/controle"), follow_redirects=True
    )
    if "bonnummer" not in done.get_data(as_text=True).lower():
        raise RuntimeError("the visit did not end at the receipt")


# --- the run ----------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one run."""

    visits_per_s: float
    casts_per_s: float
    ratio: float
    real_ms: dict[str, float]
    ceiling_ms: dict[str, float]
    sql_per_visit: float
    failed_visits: int
    failed_casts: int
    # CPU milliseconds per visit (per cast): the server's, the load generator's.
    real_cpu_ms: tuple[float, float] = (0.0, 0.0)
    ceiling_cpu_ms: tuple[float, float] = (0.0, 0.0)


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50": values[0] if values else 0.0, "p95": 0.0, "p99": 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def run(
    *,
    clients: int,
    visits: int,
    database: str = "",
    workers: int = 4,
    threads: int = 4,
    sql_visits: int = 10,
    folder: Path | None = None,
) -> Figures:
    """Prepare, drive both apps, count SQL; returns the figures."""
    work = folder or Path(tempfile.mkdtemp(prefix="loadtest-"))
    database = database or f"sqlite:///{work / 'loadtest.db'}"
    # Untimed visits (casts) first, all clients at once, so that every worker has
    # made every page of a visit once: a worker compiles a template, and SQLAlchemy
    # each statement, the first time it needs it, and tens of milliseconds of that
    # are start-up, not a resident's wait.
    warm = max(clients, 2 * workers * threads)
    letters = prepare(database, work, 2 * (visits + warm) + sql_visits + 1)
    real_letters, ceiling_letters = letters[:visits], letters[visits : 2 * visits]
    real_warm, ceiling_warm = (letters[2 * visits + n * warm :][:warm] for n in (0, 1))
    config = settings(database, work)
    with gunicorn_process(_app_line("create_app", config), work, workers, threads) as server:
        warm_up(server[0], "/stem", "GET", 4 * workers * threads)
        drive(visit, server[0], real_warm, clients)
        real, real_s, real_cpu = _measured(visit, server, real_letters, clients)
    with gunicorn_process(_app_line("ceiling_app", config), work, workers, threads) as server:
        warm_up(server[0], "/cast", "POST", 4 * workers * threads)
        drive(cast_once, server[0], ceiling_warm, clients)
        ceiling, ceiling_s, ceiling_cpu = _measured(cast_once, server, ceiling_letters, clients)
    per_visit = sql_per_visit(database, work, letters[2 * (visits + warm) :])
    visits_per_s = real.done / real_s
    casts_per_s = ceiling.done / ceiling_s
    for why in sorted(set(real.failed + ceiling.failed))[:5]:
        print(f"failed: {why}", file=sys.stderr)
    return Figures(
        visits_per_s=visits_per_s,
        casts_per_s=casts_per_s,
        ratio=visits_per_s / casts_per_s if casts_per_s else 0.0,
        real_ms=_percentiles(real.latencies),
        ceiling_ms=_percentiles(ceiling.latencies),
        sql_per_visit=per_visit,
        failed_visits=len(real.failed),
        failed_casts=len(ceiling.failed),
        real_cpu_ms=_per(real_cpu, real.done),
        ceiling_cpu_ms=_per(ceiling_cpu, ceiling.done),
    )


def _measured(
    one: Callable[[int, str, random.Random], tuple[list[float], str]],
    server: tuple[int, int],
    letters: list[str],
    clients: int,
) -> tuple[Tally, float, tuple[float, float]]:
    """:func:`drive` with the CPU seconds the server (master and workers) and these
    clients (this process) used meanwhile."""
    port, pid = server
    server_before, client_before = tree_cpu_seconds(pid), time.process_time()
    tally, seconds = drive(one, port, letters, clients)
    cpu = (tree_cpu_seconds(pid) - server_before, time.process_time() - client_before)
    return tally, seconds, cpu


def _per(cpu: tuple[float, float], done: int) -> tuple[float, float]:
    return (1000 * cpu[0] / max(1, done), 1000 * cpu[1] / max(1, done))


def report(figures: Figures, clients: int) -> str:
    """The figures as lines to print."""
    real, ceil = figures.real_ms, figures.ceiling_ms
    return "\n".join(
        [
            f"clients: {clients}",
            f"real app: {figures.visits_per_s:8.1f} visits/s (7 requests each)  "
            f"p50 {real['p50']:.1f} ms  p95 {real['p95']:.1f} ms  p99 {real['p99']:.1f} ms "
            f"per request (target p99 < {TARGET_P99_MS:.0f} ms)  failed {figures.failed_visits}",
            f"ceiling:  {figures.casts_per_s:8.1f} casts/s (1 request each)  "
            f"p50 {ceil['p50']:.1f} ms  p95 {ceil['p95']:.1f} ms  p99 {ceil['p99']:.1f} ms  "
            f"failed {figures.failed_casts}",
            f"ratio: {figures.ratio:.3f} of the ceiling's casts per second "
            f"(target >= {TARGET_RATIO})",
            f"SQL statements per visit: {figures.sql_per_visit:.1f} (target <= {TARGET_SQL})",
            f"CPU per visit: server {figures.real_cpu_ms[0]:.1f} ms, clients "
            f"{figures.real_cpu_ms[1]:.1f} ms; per ceiling cast: server "
            f"{figures.ceiling_cpu_ms[0]:.1f} ms, clients {figures.ceiling_cpu_ms[1]:.1f} ms",
        ]
    )


def main() -> None:
    """Run the load test and print its figures."""
    from voting import gunicorn_conf

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--database", default="")
    # What ``voting serve`` runs with on this machine (voting/gunicorn_conf.py).
    parser.add_argument("--workers", type=int, default=gunicorn_conf.DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=gunicorn_conf.DEFAULT_THREADS)
    args = parser.parse_args()
    figures = run(
        clients=args.clients,
        visits=args.visits,
        database=args.database,
        workers=args.workers,
        threads=args.threads,
    )
    print(report(figures, args.clients))


if __name__ == "__main__":
    main()
