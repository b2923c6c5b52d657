"""``voting roll import / reissue / status``."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskCliRunner
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_PEPPER
from tools.fake_register import register_csv
from voting import codes
from voting.models import AuditEvent, Election, RollEntry, VotingCode

BAD_ROW = "9999999;Piet Bakker;Dorpsstraat 2;0921 AB;Duiven;01-01-1970;Centrum\n"


def _register(tmp_path: Path, count: int = 6, extra: str = "") -> Path:
    path = tmp_path / "register.csv"
    path.write_text(register_csv(count, seed=3) + extra, encoding="utf-8")
    return path


def _live_hashes(db_session: Session) -> set[str]:
    return set(
        db_session.scalars(
            select(VotingCode.code_hash).where(
                VotingCode.revoked_at.is_(None), VotingCode.used_at.is_(None)
            )
        )
    )


def test_check_reports_bad_rows_and_stores_nothing(
    runner: FlaskCliRunner,
    db_session: Session,
    make_election: Callable[..., Election],
    tmp_path: Path,
) -> None:
    election = make_election(phase="draft", min_age=0)
    path = _register(tmp_path, extra=BAD_ROW)
    result = runner.invoke(args=["roll", "import", election.slug, str(path), "--check"])
    assert result.exit_code == 1
    assert "line 8 (invalid postcode)" in result.output
    assert "6 eligible, 1 bad" in result.output
    result = runner.invoke(args=["roll", "import", election.slug, str(path), "--letters", "x.pdf"])
    assert result.exit_code == 1 and "nothing imported" in result.output
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 0


def test_import_writes_letters_and_mail_merge_with_working_codes(
    runner: FlaskCliRunner,
    db_session: Session,
    make_election: Callable[..., Election],
    tmp_path: Path,
) -> None:
    election = make_election(phase="draft", min_age=0)
    path = _register(tmp_path, extra=BAD_ROW)
    pdf, merge = tmp_path / "brieven.pdf", tmp_path / "drukkerij.csv"
    result = runner.invoke(
        args=[
            "roll", "import", election.slug, str(path), "--skip-bad-rows",
            "--letters", str(pdf), "--mail-merge", str(merge),
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "6 added" in result.output and "6 letters" in result.output
    pages = PdfReader(pdf).pages
    assert len(pages) == 6
    printed = {codes.normalise(line.split(";")[5]) for line in merge.read_text().splitlines()[1:]}
    assert len(printed) == 6
    assert {codes.code_hash(TEST_PEPPER, c) for c in printed} == _live_hashes(db_session)
    for page in pages:
        assert any(codes.formatted(c) in page.extract_text() for c in printed)
    assert not (tmp_path / "x.pdf").exists()
    # The same register again: everyone has a code, nobody gets a letter.
    result = runner.invoke(
        args=["roll", "import", election.slug, str(path), "--skip-bad-rows", "--mail-merge",
              str(merge)]
    )  # fmt: skip
    assert result.exit_code == 0 and "6 skipped (already have a code)" in result.output


def test_import_to_a_zip_and_reissue_unused(
    runner: FlaskCliRunner,
    db_session: Session,
    make_election: Callable[..., Election],
    tmp_path: Path,
) -> None:
    election = make_election(phase="draft", min_age=0)
    path = _register(tmp_path)
    out = tmp_path / "brieven.zip"
    args = ["roll", "import", election.slug, str(path), "--letters", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    first = _live_hashes(db_session)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["brieven-00001-00006.pdf"]
    result = runner.invoke(args=[*args, "--reissue-unused"])
    assert result.exit_code == 0, result.output
    assert "6 new codes" in result.output
    assert first.isdisjoint(_live_hashes(db_session)) and len(_live_hashes(db_session)) == 6


def test_import_needs_an_output_and_an_open_roll(
    runner: FlaskCliRunner, make_election: Callable[..., Election], tmp_path: Path
) -> None:
    draft = make_election(phase="draft", min_age=0)
    path = _register(tmp_path)
    result = runner.invoke(args=["roll", "import", draft.slug, str(path)])
    assert result.exit_code == 1 and "--letters" in result.output
    voting = make_election(phase="voting", min_age=0)
    result = runner.invoke(args=["roll", "import", voting.slug, str(path), "--letters", "x.pdf"])
    assert result.exit_code == 1 and "The voter roll is fixed" in result.output
    result = runner.invoke(args=["roll", "import", "nope", str(path), "--letters", "x.pdf"])
    assert result.exit_code == 1 and "no election" in result.output


def test_reissue_during_voting(
    runner: FlaskCliRunner,
    db_session: Session,
    make_election: Callable[..., Election],
    tmp_path: Path,
) -> None:
    election = make_election(phase="draft", min_age=0)
    path = _register(tmp_path, count=3)
    merge = tmp_path / "m.csv"
    runner.invoke(args=["roll", "import", election.slug, str(path), "--mail-merge", str(merge)])
    row = merge.read_text().splitlines()[1].split(";")
    old_code = codes.normalise(row[5])
    reference = register_csv(3, seed=3).splitlines()[1].split(";")[0]
    election.phase = "voting"
    db_session.commit()
    letter = tmp_path / "nieuw.pdf"
    result = runner.invoke(
        args=["roll", "reissue", election.slug, reference, "--from-csv", str(path),
              "--letter", str(letter)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = PdfReader(letter).pages[0].extract_text()
    new_code = next(
        codes.normalise(w) for w in text.split() if codes.problem(w) is None and len(w) == 21
    )
    assert new_code != old_code
    assert codes.code_hash(TEST_PEPPER, new_code) in _live_hashes(db_session)
    assert codes.code_hash(TEST_PEPPER, old_code) not in _live_hashes(db_session)
    result = runner.invoke(args=["roll", "reissue", election.slug, reference, "--lookup"])
    assert "working codes: 1; revoked codes: 1" in result.output
    result = runner.invoke(
        args=["roll", "reissue", election.slug, reference, "--name", "A", "--address", "B",
              "--postcode", "0000", "--town", "C", "--letter", str(letter)]
    )  # fmt: skip
    assert result.exit_code == 1 and "postcode" in result.output
    result = runner.invoke(
        args=["roll", "reissue", election.slug, "nobody", "--name", "A", "--address", "B",
              "--postcode", "6921 AB", "--town", "C", "--letter", str(letter)]
    )  # fmt: skip
    assert result.exit_code == 1 and "not on the voter roll" in result.output
    result = runner.invoke(args=["roll", "status", election.slug])
    assert "roll 3; codes issued 4, working 3, used 0, revoked 1" in result.output
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert actions.count("roll.reissue") == 1
