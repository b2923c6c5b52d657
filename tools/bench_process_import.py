#!/usr/bin/env python3
"""Benchmark the one-letter import of a process against a single election's import.

    python tools/bench_process_import.py [--residents N] [--stages K]

A process import writes, per resident, one process code and a roll entry and a code row
in every one of its K stages, each table in its own random order
(``voting.processes.roll``): 1 + 2K rows, against 2 rows for a single election's
import. Both are timed on SQLite in a temporary folder with the same register. The goal:
no more work per row than the single import, so the time ratio stays near the row
ratio ((1 + 2K) / 2, 3.5 for three stages).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voting import create_app, db, roll
from voting.migrate import upgrade
from voting.models import Election, Option, Process, ProcessStage
from voting.processes import roll as process_roll
from voting.roll_import import Resident


def main() -> None:
    """Time both imports and print the seconds and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--stages", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-process-"))
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder}/bench.db",
            # Throw-away keys: the benchmark's database is deleted with its folder.
            "SECRET_KEY": secrets.token_hex(16),
            "CODE_PEPPER": secrets.token_hex(16),
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    with app.app_context():
        upgrade(db.engine())
        session = app.extensions["db_sessionmaker"]()

        def election(slug: str) -> Election:
            made = Election(
                slug=slug, title=slug, kind="referendum", ballot_type="approval",
                rule="approval", phase="draft",
            )  # fmt: skip
            made.options += [Option(key="A", title="A"), Option(key="B", title="B")]
            session.add(made)
            return made

        single = election("single")
        stages = [election(f"stage-{n}") for n in range(args.stages)]
        process = Process(slug="bench", title="Bench")
        session.add(process)
        session.flush()
        for position, stage in enumerate(stages):
            session.add(
                ProcessStage(process_id=process.id, election_id=stage.id, position=position)
            )
        session.commit()
        residents = [
            Resident(n, f"REF{n:07d}", "Naam", "Straat 1", "1234AB", "Plaats", date(1980, 1, 1))
            for n in range(args.residents)
        ]
        start = time.perf_counter()
        for _batch in roll.import_residents(
            session, single, residents, app.config["CODE_PEPPER"], actor="bench"
        ):
            pass
        single_s = time.perf_counter() - start
        start = time.perf_counter()
        for _batch in process_roll.import_residents(
            session, process, residents, app.config["CODE_PEPPER"], actor="bench"
        ):
            pass
        process_s = time.perf_counter() - start
    rows_ratio = (1 + 2 * args.stages) / 2
    print(
        f"{args.residents} residents, {args.stages} stages: single election {single_s:.2f} s, "
        f"process {process_s:.2f} s; time ratio {process_s / single_s:.2f}x for "
        f"{rows_ratio:.1f}x the rows"
    )


if __name__ == "__main__":
    main()
