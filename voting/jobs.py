"""Counting and certifying as background work: a job table and ``voting worker``.

Counting a million ballots and certifying them takes longer than a web request may
last (gunicorn's timeout, a proxy's, a clerk's patience). With ``JOB_RUNNER=worker``
the clerk's click only adds a row to ``jobs`` (:func:`enqueue`); ``voting worker``
takes it (:func:`claim_next`, a conditional update, so of two workers exactly one
runs it), runs it in its own process (:func:`run_job`) and writes its progress into
the row, which the clerk's page shows. With ``JOB_RUNNER=inline`` (the default, for
the demo and a small town on SQLite) the web request runs the same job itself and
nobody needs to start a worker.

The worker also finishes what an opening could not: while an opened ballot box's
sealed rows may still be in the database files (a transaction used the sealed table
when the box was opened), it tries :func:`voting.ballot_box.purge_sealed` again every
:data:`PURGE_EVERY` seconds until they are gone.

The table is the truth. With ``REDIS_URL`` set, :func:`enqueue` also pushes the job's
id onto a Redis list so an idle worker wakes at once instead of at its next poll;
when Redis is away the worker simply polls.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting import ballot_box, db
from voting.error_words import explain
from voting.models import Election, Job, utcnow
from voting.tally import TallyError, certify_election, count_election, private_key_path

log = logging.getLogger(__name__)

RUNNERS = ("inline", "worker")
REDIS_LIST = "buurtstem:jobs"
# A job still "running" this long after it started lost its worker (killed, machine
# gone): a worker puts it back in the queue. Count and certify change nothing until
# their last commit, so running one again is safe.
STALE_AFTER = timedelta(minutes=30)
# Seconds between the worker's tries to remove an opened box's sealed rows.
PURGE_EVERY = 10.0


class JobError(RuntimeError):
    """A job that cannot be queued (another one for this election is waiting)."""


def runner(app: Flask | None = None) -> str:
    """``inline`` or ``worker``: who runs counts and certifications."""
    return str((app or current_app).config.get("JOB_RUNNER", "inline"))


def active_job(session: Session, election: Election, kind: str | None = None) -> Job | None:
    """The queued or running job of ``election`` (of ``kind``), if any."""
    query = select(Job).where(Job.election_id == election.id, Job.state.in_(("queued", "running")))
    if kind is not None:
        query = query.where(Job.kind == kind)
    return session.scalar(query.order_by(Job.id.desc()).limit(1))


def latest_job(session: Session, election: Election) -> Job | None:
    """The most recent job of ``election`` (the clerk's page shows it)."""
    return session.scalar(
        select(Job).where(Job.election_id == election.id).order_by(Job.id.desc()).limit(1)
    )


def enqueue(session: Session, election: Election, kind: str, actor: str) -> Job:
    """Queue a ``count`` or ``certify`` job for ``election``; commits. Raises
    :class:`JobError` when one is already queued or running for it."""
    if active_job(session, election) is not None:
        raise JobError("a job for this election is already waiting or running")
    job = Job(kind=kind, election_id=election.id, actor=actor, state="queued")
    session.add(job)
    session.commit()
    _wake(job.id)
    return job


def _redis() -> Any | None:
    # Outside an app (a script queuing with a bare session) there is nobody to wake.
    url = current_app.config.get("REDIS_URL") if has_app_context() else None
    if not url:
        return None
    try:
        import redis
    except ImportError:
        return None
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _wake(job_id: int) -> None:
    client = _redis()
    if client is None:
        return
    try:
        client.rpush(REDIS_LIST, str(job_id))
    except Exception as error:  # Redis away: the worker polls the table anyway
        log.warning("could not wake the worker through Redis (%s); it will poll", error)


def claim(session: Session, job_id: int, worker: str) -> bool:
    """Take job ``job_id`` for ``worker`` if it is still queued; commits. Exactly one
    of several workers trying at once gets True."""
    done = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="running", started_at=utcnow(), worker=worker[:120], progress="")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return done.rowcount == 1


def claim_next(session: Session, worker: str) -> int | None:
    """The id of the oldest queued job, now taken by ``worker``; None if none is left."""
    while True:
        job_id = session.scalar(
            select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
        )
        if job_id is None:
            return None
        if claim(session, job_id, worker):
            return int(job_id)


def requeue_stale(session: Session) -> int:
    """Put running jobs whose worker vanished back in the queue; commits. Returns how
    many."""
    done = session.execute(
        update(Job)
        .where(Job.state == "running", Job.started_at < utcnow() - STALE_AFTER)
        .values(state="queued", worker="", progress="")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(done.rowcount or 0)


def _progress_writer(job_id: int) -> Callable[[str], None]:
    """A callback that writes a step's code into the job's row at once, in a session
    of its own (the count's own transaction commits only at its end)."""

    def write(step: str) -> None:
        with db.new_session() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(progress=step)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    return write


def _error_words(error: Exception) -> str:
    """The error in both languages, so the clerk's page shows it in theirs."""
    words = {}
    for language in ("nl", "en"):
        if isinstance(error, TallyError):
            words[language] = explain(error, locale=language)
            continue
        with force_locale(language):
            words[language] = _(
                "Er ging iets mis in de achtergrondtaak (%(error)s). Er is niets "
                "veranderd; kijk in het logboek van de server en probeer het opnieuw.",
                error=type(error).__name__,
            )
    return json.dumps(words, ensure_ascii=False)


def error_text(job: Job, language: str) -> str:
    """What went wrong with a failed job, in ``language`` (nl or en)."""
    if not job.error_json:
        return ""
    words = json.loads(job.error_json)
    return str(words.get(language) or words.get("nl") or "")


def execute(session: Session, job: Job, progress: Callable[[str], None]) -> None:
    """Run ``job``'s count or certification on ``session`` (raises its TallyError)."""
    election = session.get(Election, job.election_id)
    if election is None:
        raise TallyError("not_counted")
    config = current_app.config
    if job.kind == "count":
        count_election(
            session,
            election,
            job.actor,
            municipality=config["MUNICIPALITY"],
            progress=progress,
        )
    else:
        certify_election(
            session,
            election,
            job.actor,
            private_key_path(config["SIGNING_KEY_PATH"]),
            municipality=config["MUNICIPALITY"],
            progress=progress,
        )


def run_job(app: Flask, job_id: int, *, worker: str = "", claimed: bool = False) -> Job:
    """Run job ``job_id`` (taking it first unless ``claimed``) and record how it ended.
    Returns the job as it ends (``done`` or ``failed``), or as it was when another
    worker had it already."""
    worker = worker or _worker_name()
    with app.app_context(), db.new_session() as session:
        if not claimed and not claim(session, job_id, worker):
            return _reloaded(session, job_id)
        job = session.get(Job, job_id)
        assert job is not None
        failure: Exception | None = None
        try:
            execute(session, job, _progress_writer(job_id))
        except TallyError as error:
            session.rollback()
            failure = error
        except Exception as error:  # a bug: the job fails, the worker lives on
            session.rollback()
            log.exception("job %s (%s) failed", job_id, job.kind)
            failure = error
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state="failed" if failure else "done",
                progress="" if failure else "done",
                error_json=_error_words(failure) if failure else "",
                finished_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return _reloaded(session, job_id)


def _reloaded(session: Session, job_id: int) -> Job:
    session.expire_all()
    job = session.get(Job, job_id)
    assert job is not None
    return job


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def work(app: Flask, *, once: bool = False, poll_seconds: float = 2.0) -> int:
    """The worker loop: take queued jobs oldest first and run them; with ``once``,
    stop when the queue is empty. Returns the number of jobs run."""
    name = _worker_name()
    ran = 0
    with app.app_context():
        with db.new_session() as session:
            stale = requeue_stale(session)
        if stale:
            log.warning("%s job(s) of a vanished worker queued again", stale)
        client = _redis()
    next_purge = 0.0
    while True:
        if time.monotonic() >= next_purge:
            purge_sealed_if_pending(app)
            next_purge = time.monotonic() + PURGE_EVERY
        with app.app_context(), db.new_session() as session:
            job_id = claim_next(session, name)
        if job_id is not None:
            job = run_job(app, job_id, worker=name, claimed=True)
            log.info("job %s (%s) %s", job.id, job.kind, job.state)
            ran += 1
            continue
        if once:
            return ran
        _wait(client, poll_seconds)


def purge_sealed_if_pending(app: Flask) -> ballot_box.Purge | None:
    """Remove opened boxes' sealed rows still in the database files, if any (waits a
    second at most for a transaction using the table); None when none are waiting."""
    with app.app_context():
        with db.new_session() as session:
            if not ballot_box.purge_pending(session):
                return None
        result = ballot_box.purge_sealed(db.engine(), wait_seconds=1.0)
    if result.done:
        log.info("sealed ballots of opened boxes removed from the database files")
    return result


def _wait(client: Any | None, seconds: float) -> None:
    """Until a job may be waiting: a Redis wake-up, or the next poll."""
    if client is not None:
        try:
            client.blpop([REDIS_LIST], timeout=max(1, int(seconds)))
            return
        except Exception as error:
            log.warning("Redis unreachable while waiting for jobs (%s); polling", error)
    time.sleep(seconds)
