"""Count and certify as background jobs: the clerk's click queues, ``voting worker``
runs, the clerk's page shows the progress and any error; inline stays the default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting import jobs
from voting.models import Election, Job, PublishedResult, StaffUser, utcnow

pytestmark = pytest.mark.app_config(JOB_RUNNER="worker")


@pytest.fixture
def closed(make_election: Callable[..., Election], db_session: Session) -> Election:
    """A closed referendum with a roll of 10 and 4 ballots (its box opened)."""
    election = make_election(phase="closed", turnout_threshold_percent=30, binding=False)
    add_roll(db_session, election, 10)
    add_ballots(db_session, election, [["A", "B"], ["B"], ["A"], ["C", "A"]])
    return election


def _page(client: FlaskClient, election: Election, lang: str = "") -> str:
    query = f"?lang={lang}" if lang else ""
    return client.get(f"/beheer/verkiezing/{election.id}{query}").get_data(as_text=True)


def test_worker_counts_and_certifies_what_the_clerk_queued(
    app: Flask,
    client: FlaskClient,
    closed: Election,
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    login("clerk")
    response = client.post(f"/beheer/telling/{closed.id}/tellen")
    assert response.headers["Location"].endswith(f"/beheer/verkiezing/{closed.id}")
    db_session.expire_all()
    assert db_session.get(Election, closed.id).phase == "closed"  # type: ignore[union-attr]
    page = _page(client, closed)
    assert "Bezig met tellen" in page and "in de wachtrij" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    # A second click while it waits queues nothing more.
    client.post(f"/beheer/telling/{closed.id}/tellen")
    assert len(db_session.scalars(select(Job)).all()) == 1

    assert jobs.work(app, once=True) == 1
    db_session.expire_all()
    assert db_session.get(Election, closed.id).phase == "counted"  # type: ignore[union-attr]
    page = _page(client, closed)
    assert "Uitslag controleren en vaststellen" in page and "refresh" not in page

    client.post(f"/beheer/telling/{closed.id}/vaststellen", data={"confirm": "y"})
    assert "Bezig met vaststellen" in _page(client, closed)
    assert jobs.work(app, once=True) == 1
    db_session.expire_all()
    election = db_session.get(Election, closed.id)
    assert election is not None and election.phase == "certified"
    assert db_session.get(PublishedResult, closed.id) is not None
    assert "Vastgesteld en gepubliceerd" in _page(client, closed)
    done = db_session.scalars(select(Job).order_by(Job.id)).all()
    assert [(j.kind, j.state, j.progress) for j in done] == [
        ("count", "done", "done"),
        ("certify", "done", "done"),
    ]


def test_failed_job_says_why_in_the_clerks_language(
    app: Flask,
    client: FlaskClient,
    closed: Election,
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    login("clerk")
    client.post(f"/beheer/telling/{closed.id}/tellen")
    jobs.work(app, once=True)
    client.post(f"/beheer/telling/{closed.id}/vaststellen", data={"confirm": "y"})
    # No signing key was made: the certification fails and nothing changes.
    jobs.work(app, once=True)
    db_session.expire_all()
    assert db_session.get(Election, closed.id).phase == "counted"  # type: ignore[union-attr]
    dutch = _page(client, closed)
    assert "Het vaststellen is niet gelukt" in dutch and "voting keys generate" in dutch
    english = _page(client, closed, "en")
    assert "Certifying did not succeed" in english and "voting keys generate" in english
    failed = db_session.scalars(select(Job).where(Job.kind == "certify")).one()
    assert failed.state == "failed" and failed.finished_at is not None


def test_progress_is_written_while_the_job_runs(
    app: Flask, closed: Election, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = jobs._progress_writer

    def watching(job_id: int) -> Callable[[str], None]:
        write = real(job_id)

        def both(step: str) -> None:
            write(step)
            with db_session.bind.connect() as conn:  # type: ignore[union-attr]
                seen.append(conn.scalar(select(Job.progress).where(Job.id == job_id)))

        return both

    monkeypatch.setattr(jobs, "_progress_writer", watching)
    job = jobs.enqueue(db_session, closed, "count", "griffie")
    assert jobs.run_job(app, job.id).state == "done"
    assert seen == ["read", "count", "record", "save"]


def test_only_one_worker_gets_a_job(app: Flask, closed: Election, db_session: Session) -> None:
    job = jobs.enqueue(db_session, closed, "count", "griffie")
    assert jobs.claim(db_session, job.id, "one") is True
    assert jobs.claim(db_session, job.id, "two") is False
    # A second worker finds nothing and leaves the job alone.
    again = jobs.run_job(app, job.id, worker="two")
    assert again.state == "running" and again.worker == "one"


def test_a_vanished_workers_job_is_queued_again(
    app: Flask, closed: Election, db_session: Session
) -> None:
    job = jobs.enqueue(db_session, closed, "count", "griffie")
    assert jobs.claim(db_session, job.id, "gone")
    db_session.execute(
        update(Job).where(Job.id == job.id).values(started_at=utcnow() - timedelta(hours=1))
    )
    db_session.commit()
    assert jobs.work(app, once=True) == 1
    db_session.expire_all()
    assert db_session.get(Job, job.id).state == "done"  # type: ignore[union-attr]


def test_worker_command(
    runner: FlaskCliRunner, closed: Election, db_session: Session, app: Flask
) -> None:
    jobs.enqueue(db_session, closed, "count", "griffie")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 job(s) run." in result.output
    db_session.expire_all()
    assert db_session.get(Election, closed.id).phase == "counted"  # type: ignore[union-attr]


@pytest.mark.app_config(JOB_RUNNER="inline")
def test_inline_needs_no_worker(
    client: FlaskClient,
    closed: Election,
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    login("clerk")
    client.post(f"/beheer/telling/{closed.id}/tellen")
    db_session.expire_all()
    assert db_session.get(Election, closed.id).phase == "counted"  # type: ignore[union-attr]
    assert db_session.scalars(select(Job)).all() == []


def test_job_runner_setting_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from voting.config import ConfigError, from_environment

    monkeypatch.setenv("JOB_RUNNER", "Worker")
    assert from_environment(str(tmp_path))["JOB_RUNNER"] == "worker"
    monkeypatch.setenv("JOB_RUNNER", "celery")
    with pytest.raises(ConfigError, match="JOB_RUNNER must be one of inline, worker"):
        from_environment(str(tmp_path))
