"""Benchmark: count and certify a large election the way ``voting worker`` does, and
verify its record the way a stranger does.

    nice -n 10 python tools/bench_certify.py [--ballots 1000000] [--kind ranked|budget]
                                             [--database URL] [--keep DIR]

Targets (issue #15): 1,000,000 ballots counted in at most 20 s and 500 MB peak,
certified in at most 20 s and 500 MB peak, ``tools/verify.py`` on that record in at
most 10 s. Each step runs in a process of its own so its peak memory (``ru_maxrss``)
is its own; the output gives each step's wall time, peak memory and the ratio to its
target. The database is a fresh SQLite file in a temporary folder unless
``--database`` names a PostgreSQL database (it must be empty). Ballots are seeded
and realistic: most residents follow a few lines of preference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import subprocess  # nosec B404 - runs our own tools with argument lists
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

TARGET_SECONDS = {"count": 20.0, "certify": 20.0, "verify": 10.0}
TARGET_MB = 500.0
SLUG = "bench-certify"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app(database: str, folder: Path) -> Any:
    from voting import create_app

    return create_app(
        {
            "DATABASE_URL": database,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "bench-not-secret",  # nosec B105 - a throwaway benchmark app
            "CODE_PEPPER": "bench-not-secret",
            "SIGNING_KEY_PATH": str(folder / "signing" / "private.pem"),
        }
    )


def _ballots(kind: str, count: int, rng: random.Random) -> list[list[str]]:
    options = [f"P{i:02d}" for i in range(1, 11)]
    lines = [rng.sample(options, len(options)) for _ in range(6)]
    out = []
    for _ in range(count):
        line = list(rng.choice(lines))
        if rng.random() < 0.3:
            i, j = rng.randrange(10), rng.randrange(10)
            line[i], line[j] = line[j], line[i]
        length = rng.choice((1, 2, 3, 3, 4, 5, 10)) if kind == "ranked" else rng.randint(1, 4)
        chosen = line[:length]
        out.append(chosen if kind == "ranked" else sorted(chosen))
    return out


def setup(database: str, folder: Path, kind: str, count: int) -> None:
    """Build the election: closed, box opened, ``count`` ballots, receipts and used
    codes, a roll of ``count * 1.25`` residents, and a signing key."""
    from sqlalchemy import insert

    from voting import db, signing
    from voting.migrate import upgrade
    from voting.models import Ballot, Election, Option, Receipt, RollEntry, VotingCode, utcnow

    app = _app(database, folder)
    (folder / "signing").mkdir(parents=True, exist_ok=True)
    signing.write_keypair(folder / "signing")
    rng = random.Random(15)
    with app.app_context():
        upgrade(db.engine(), "head")
        with db.new_session() as session:
            election = Election(
                slug=SLUG,
                title="Benchmark",
                kind="referendum" if kind == "ranked" else "budget",
                ballot_type=kind,
                rule="irv" if kind == "ranked" else "mes",
                budget=None if kind == "ranked" else 100_000,
                phase="closed",
                tie_break_seed="bench",
                turnout_threshold_percent=30,
            )
            for i in range(1, 11):
                election.options.append(
                    Option(key=f"P{i:02d}", position=i, title=f"Voorstel {i}", cost=10_000 + i)
                )
            session.add(election)
            session.commit()
            election_id = election.id
        now = utcnow()
        batch = 50_000
        ballots = _ballots(kind, count, rng)
        with db.engine().begin() as conn:
            roll = int(count * 1.25)
            for start in range(0, roll, batch):
                conn.execute(
                    insert(RollEntry),
                    [
                        {"election_id": election_id, "voter_key": f"{n:064x}", "added_at": now}
                        for n in range(start, min(roll, start + batch))
                    ],
                )
        with db.engine().begin() as conn:
            for start in range(0, count, batch):
                stop = min(count, start + batch)
                conn.execute(
                    insert(VotingCode),
                    [
                        {
                            "election_id": election_id,
                            "roll_entry_id": n + 1,
                            "code_hash": secrets.token_hex(32),
                            "issued_at": now,
                            "used_at": now,
                            "used_channel": "online",
                        }
                        for n in range(start, stop)
                    ],
                )
                conn.execute(
                    insert(Ballot),
                    [
                        {
                            "id": secrets.token_hex(16),
                            "election_id": election_id,
                            "content": json.dumps(ballots[n]),
                            "invalid": False,
                        }
                        for n in range(start, stop)
                    ],
                )
                conn.execute(
                    insert(Receipt),
                    [
                        {"receipt": secrets.token_hex(8).upper(), "election_id": election_id}
                        for _ in range(start, stop)
                    ],
                )


def step(name: str, database: str, folder: Path) -> dict[str, Any]:
    """One timed step in this process: ``count`` or ``certify``."""
    from sqlalchemy import select

    from voting import db, jobs
    from voting.models import Election

    app = _app(database, folder)
    with app.app_context():
        with db.new_session() as session:
            election = session.scalar(select(Election).where(Election.slug == SLUG))
            assert election is not None
            job = jobs.enqueue(session, election, name, "bench")
        started = time.perf_counter()
        done = jobs.run_job(app, job.id, worker="bench")
        seconds = time.perf_counter() - started
        peak = _peak_mb()  # the step's own; the copy below is the benchmark's
        if done.state != "done":
            raise SystemExit(f"{name} failed: {done.error_json}")
        if name == "certify":
            from voting import published

            with db.new_session() as session:
                election_id = session.scalar(select(Election.id).where(Election.slug == SLUG))
            # streamed in slices, as the download does
            with (folder / "record.json").open("wb") as out:
                for part in published.stream_text(
                    app.extensions["db_sessionmaker"](),
                    Election.record_json,
                    Election.id == election_id,
                ):
                    out.write(part)
    return {"seconds": seconds, "peak_mb": peak}


def _child(name: str, database: str, folder: Path) -> dict[str, Any]:
    out = subprocess.run(  # nosec B603 - our own scripts, argument list
        [sys.executable, __file__, "--step", name, "--database", database, "--keep", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


_VERIFY_CHILD = """
import resource, runpy, sys, time
sys.argv = sys.argv[1:]
started = time.perf_counter()
code = 0
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as stop:
    code = stop.code or 0
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"@@ {code} {seconds} {peak}", file=sys.stderr)
"""


def _verify(folder: Path) -> dict[str, Any]:
    """``tools/verify.py RECORD --key KEY`` in a fresh Python, timed from inside (its
    interpreter start-up aside) with its own peak memory."""
    done = subprocess.run(  # nosec B603 - our own scripts, argument list
        [
            sys.executable,
            "-c",
            _VERIFY_CHILD,
            str(_ROOT / "tools" / "verify.py"),
            str(folder / "record.json"),
            "--key",
            str(folder / "signing" / "record-signing-key.pub.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("@@ ")][-1]
    code, seconds, peak = line.split()[1:]
    if code != "0":
        raise SystemExit(f"verify.py failed ({code}):\n{done.stdout}\n{done.stderr}")
    return {"seconds": float(seconds), "peak_mb": float(peak)}


def main() -> None:
    """Run the benchmark and print one line per step, then a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--kind", choices=("ranked", "budget"), default="ranked")
    parser.add_argument("--database", default="")
    parser.add_argument("--keep", default="", help="work in this folder and keep it")
    parser.add_argument("--step", choices=("count", "certify"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.database, Path(args.keep))))
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-certify-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = args.database or f"sqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    setup(database, folder, args.kind, args.ballots)
    print(f"setup: {args.ballots:,} {args.kind} ballots in {time.perf_counter() - started:.1f} s")
    failed = False
    for name in ("count", "certify", "verify"):
        figures = _verify(folder) if name == "verify" else _child(name, database, folder)
        ok = figures["seconds"] <= TARGET_SECONDS[name] and figures["peak_mb"] <= TARGET_MB
        failed |= not ok
        print(
            f"{name:8} {figures['seconds']:7.2f} s (target {TARGET_SECONDS[name]:.0f} s, "
            f"ratio {figures['seconds'] / TARGET_SECONDS[name]:.2f})  "
            f"peak {figures['peak_mb']:6.0f} MB (target {TARGET_MB:.0f} MB, "
            f"ratio {figures['peak_mb'] / TARGET_MB:.2f})  {'ok' if ok else 'MISSED'}"
        )
    size = (folder / "record.json").stat().st_size
    print(f"record: {size / 1e6:.1f} MB in {folder}")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    os.environ.setdefault("BUURTSTEM_ENV", "development")
    main()
