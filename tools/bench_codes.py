"""Benchmarks for the roll import and the letters.

    python tools/bench_codes.py [--codes N] [--letters N] [--database-url URL]
                                [--skip-letters | --skip-codes] [--join]

Targets (issue #4):

- 100,000 codes generated, hashed and stored (with their roll entries) in under 10 s,
  on SQLite and on PostgreSQL. Timed: ``voting.roll.import_residents`` on residents
  already read from a register, batches committed as in a real import.
- 10,000 letters into one PDF in under 60 s, with memory flat as letters stream.
  Timed twice: the streamed ZIP of PDFs of 500 letters each and the streamed one
  PDF (parts of 500 letters joined as they are made, ``voting.documents.pdf_concat``). Both
  report their peak memory growth and when the first bytes were ready.

``--join`` times only the joining of the letters into one PDF: the parts of 500
letters are rendered once onto disk, then joined in fresh processes by our streaming
joiner (``pdf_concat``) and by pypdf (``PdfWriter.append``, then ``write``), side by
side, with each one's peak memory growth and time.

PostgreSQL runs when ``--database-url`` or ``DATABASE_URL`` names a server, or when
the local test server (``postgresql+psycopg://postgres@127.0.0.1:5432/bench_roll``)
answers. It works in its own database and empties it first.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from tools.fake_register import register_csv
from voting import roll
from voting.db import make_engine
from voting.documents.letters import LetterContext, stream_letters_pdf, stream_letters_zip
from voting.migrate import upgrade
from voting.models import Base, Election, Option, utcnow
from voting.roll_import import Eligibility, read_register

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_roll"
PEPPER = "bench-pepper"


def _election(session: Session) -> Election:
    election = Election(
        slug=f"bench-{time.time_ns()}",
        title="Centrumplan Duiven",
        question="Welk plan voor het centrum wilt u het liefst?",
        kind="referendum",
        ballot_type="ranked",
        rule="irv",
        phase="draft",
        opens_at=utcnow() + timedelta(days=14),
        closes_at=utcnow() + timedelta(days=21),
    )
    for position, title in enumerate(("Plan A: Winkelhart", "Plan B: Groen plein")):
        election.options.append(Option(key="AB"[position], position=position, title=title))
    session.add(election)
    session.commit()
    return election


def bench_import(url: str, count: int) -> float:
    """Seconds to put ``count`` residents on the roll with codes, on ``url``."""
    engine = make_engine(url)
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            conn.execute(text("DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE"))
    upgrade(engine)
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    election = _election(session)
    residents = read_register(register_csv(count).encode(), Eligibility()).residents
    gc.collect()
    start = time.perf_counter()
    letters = 0
    for batch in roll.import_residents(session, election, residents, PEPPER, actor="bench"):
        letters += len(batch)
    elapsed = time.perf_counter() - start
    assert letters == count == roll.roll_counts(session, election.id)["live"]
    session.close()
    engine.dispose()
    return elapsed


def _context() -> LetterContext:
    return LetterContext(
        municipality="Gemeente Duiven",
        title="Centrumplan Duiven",
        question="Welk plan voor het centrum wilt u het liefst? Zet de plannen in volgorde.",
        base_url="https://stem.duiven.nl",
        options=(("A", "Winkelhart"), ("B", "Groen plein"), ("C", "Wonen en zorg")),
        opens_at=utcnow() + timedelta(days=14),
        closes_at=utcnow() + timedelta(days=21),
    )


class _PeakRSS:
    """Samples the process's resident memory every 20 ms in a thread (tracemalloc
    would slow fpdf2 down several times and spoil the timing)."""

    def __init__(self) -> None:
        self.peak = self.baseline = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> _PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *_args: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth_mb(self) -> float:
        """Peak resident memory above what the process held before, in MB."""
        return (self.peak - self.baseline) / 2**20


def _rss() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the high-water mark is the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def bench_letters(count: int, mode: str) -> tuple[float, float, int, float]:
    """(seconds, peak memory growth in MB, output bytes, seconds to the first bytes)
    for ``count`` letters as one streamed PDF (``mode="pdf"``) or a streamed ZIP
    (``mode="zip"``)."""
    from voting import codes

    residents = read_register(register_csv(count).encode(), Eligibility()).residents
    letters = [roll.Letter(r, codes.generate()) for r in residents]
    batches = [letters[i : i + 1000] for i in range(0, len(letters), 1000)]
    ctx = _context()
    gc.collect()
    size = 0
    first = 0.0
    with _PeakRSS() as memory:
        start = time.perf_counter()
        stream = stream_letters_pdf if mode == "pdf" else stream_letters_zip
        for chunk in stream(ctx, batches):
            if not size:
                first = time.perf_counter() - start
            size += len(chunk)  # sent on at once in the web app: nothing kept here
        elapsed = time.perf_counter() - start
    return elapsed, memory.growth_mb, size, first


def _render_parts(count: int, folder: Path) -> list[Path]:
    """Letters rendered as PDFs of 500 onto disk (what the stream would join)."""
    from voting import codes
    from voting.documents.letters import LETTERS_PER_PDF, LetterPDF

    residents = read_register(register_csv(count).encode(), Eligibility()).residents
    ctx = _context()
    paths = []
    for first in range(0, len(residents), LETTERS_PER_PDF):
        writer = LetterPDF(ctx)
        for resident in residents[first : first + LETTERS_PER_PDF]:
            writer.add(roll.Letter(resident, codes.generate()))
        path = folder / f"part-{first:05d}.pdf"
        path.write_bytes(writer.output())
        paths.append(path)
    return paths


def bench_join(paths: list[Path], joiner: str) -> tuple[float, float, int]:
    """(seconds, peak memory growth in MB, output bytes) for joining ``paths`` into one
    PDF with ``joiner``: ``"ours"`` (streamed, nothing kept) or ``"pypdf"``."""
    gc.collect()
    size = 0
    with _PeakRSS() as memory:
        start = time.perf_counter()
        if joiner == "ours":
            from voting.documents.pdf_concat import concat_pdfs

            for chunk in concat_pdfs(p.read_bytes() for p in paths):
                size += len(chunk)  # sent on at once: nothing kept
        else:
            import io

            from pypdf import PdfReader, PdfWriter

            writer = PdfWriter()
            for path in paths:
                writer.append(PdfReader(io.BytesIO(path.read_bytes())))
            out = io.BytesIO()
            writer.write(out)
            size = out.tell()
        elapsed = time.perf_counter() - start
    return elapsed, memory.growth_mb, size


def main_join(count: int) -> None:
    """Render ``count`` letters in parts once, then time both joiners on them."""
    with tempfile.TemporaryDirectory() as folder:
        paths = _render_parts(count, Path(folder))
        print(f"{count:,} letters in {len(paths)} parts of 500 on disk")
        for joiner in ("ours", "pypdf"):
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                seconds, peak, size = pool.submit(bench_join, paths, joiner).result()
            print(
                f"join with {joiner}: {seconds:.2f} s, memory grew {peak:,.0f} MB at peak, "
                f"output {size / 2**20:,.1f} MB"
            )


def _pg_url(given: str | None) -> str | None:
    url = given or os.environ.get("DATABASE_URL") or ""
    if url and not url.startswith("sqlite"):
        return url
    try:
        engine = create_engine(LOCAL_PG, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return LOCAL_PG
    except Exception:
        return None


def main() -> None:
    """Run the benchmarks and print each number against its target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=100_000)
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-letters", action="store_true")
    parser.add_argument("--skip-codes", action="store_true")
    parser.add_argument("--join", action="store_true", help="time only joining the letters")
    args = parser.parse_args()
    if args.join:
        main_join(args.letters)
        return

    if not args.skip_codes:
        with tempfile.TemporaryDirectory() as folder:
            seconds = bench_import(f"sqlite:///{folder}/bench.db", args.codes)
        print(_line(f"{args.codes:,} codes, SQLite", seconds, 10.0 * args.codes / 100_000))
        pg = _pg_url(args.database_url)
        if pg:
            seconds = bench_import(pg, args.codes)
            print(_line(f"{args.codes:,} codes, PostgreSQL", seconds, 10.0 * args.codes / 100_000))
        else:
            print("PostgreSQL: no server answered; skipped")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process peak RSS (ru_maxrss) over the codes runs: {rss:,.0f} MB")
    if args.skip_letters:
        return
    target = 60.0 * args.letters / 10_000
    for mode, label in (("zip", "ZIP of 500-letter PDFs"), ("pdf", "one PDF, streamed")):
        # Each in a fresh process: memory one run freed stays with the process and
        # would hide the next run's growth.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            seconds, peak, size, first = pool.submit(bench_letters, args.letters, mode).result()
        print(
            _line(f"{args.letters:,} letters, {label}", seconds, target)
            + f"; memory grew {peak:,.0f} MB at peak"
            + f" ({peak * 1024 / args.letters:,.1f} KB a letter), output {size / 2**20:,.1f} MB"
            + f", first bytes after {first:.2f} s"
        )


def _line(label: str, seconds: float, target: float) -> str:
    verdict = "ok" if seconds <= target else "TOO SLOW"
    return (
        f"{label}: {seconds:.2f} s (target < {target:g} s, {seconds / target:.0%} of it) {verdict}"
    )


if __name__ == "__main__":
    main()
