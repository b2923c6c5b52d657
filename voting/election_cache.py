"""Elections that are open for voting, read once per worker instead of once per page.

A resident's visit shows the same election and options on four pages; reading them
from the database each time was most of a visit's SQL. While voting runs an election
and its options are fixed (setup is locked), so each worker keeps a copy for a few
seconds (:data:`SECONDS`), which every request reads (no SQL, no copy).

Nothing stale can let a vote in: the cast itself checks in SQL that the election is
still open (voting.casting). Within a worker the copy is dropped the moment any
statement of this process writes to ``elections`` or ``options``; another worker's
copy is at most :data:`SECONDS` old, so a closed election shows as closed there a few
seconds later at worst.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, selectinload

from voting.models import Election

SECONDS = 5.0
_WRITES = ("UPDATE ELECTIONS", "UPDATE OPTIONS", "DELETE FROM ELECTIONS", "DELETE FROM OPTIONS")
_WRITES += ("INSERT INTO OPTIONS", "UPDATE PROCESS", "INSERT INTO PROCESS", "DELETE FROM PROCESS")
_NONE = object()  # "in no process", kept like a found one


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[int, tuple[float, Election]] = {}
        self.processes: dict[int, tuple[float, Any]] = {}

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.processes.clear()


def init_app(app: Flask, engine: Engine) -> None:
    """Give ``app`` its cache and drop it whenever this process writes an election
    or an option through ``engine``."""
    cache = _Cache()
    app.extensions["election_cache"] = cache

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        head = statement.lstrip()[:24].upper().replace('"', "")
        if head.startswith(_WRITES):
            cache.clear()

    event.listen(engine, "before_cursor_execute", watch)


def election(session: Session, election_id: int) -> Election | None:
    """Election ``election_id`` with its options: while it is open for voting, this
    worker's copy (read again when older than :data:`SECONDS`), shared by every
    request and attached to none; otherwise read and attached to ``session``.

    The shared copy is read only: its columns (not the deferred record ones) and its
    options are loaded, nothing may change it or add it to a session, and what the
    vote pages need of it is read from it without SQL. Merging a copy into each
    request's session instead (``Session.merge(load=False)``) cost 8% of a worker's
    time under load (py-spy, tools/loadtest.py at 50 clients)."""
    cache: _Cache | None = current_app.extensions.get("election_cache")
    if cache is None:
        return session.get(Election, election_id)
    now = time.monotonic()
    hit = cache.entries.get(election_id)
    if hit is not None and now - hit[0] < SECONDS:
        return hit[1]
    copy = _detached_copy(session, election_id)
    if copy is None:
        return None
    if copy.is_open():
        with cache.lock:
            cache.entries[election_id] = (now, copy)
        return copy
    return session.merge(copy, load=False)


def _detached_copy(session: Session, election_id: int) -> Election | None:
    """The election and its options read in a session of their own (on the request's
    connection) and then let go: a copy no request's session owns, safe to merge into
    many."""
    # On the request's own connection: a second checkout from the pool while the
    # request holds one could wait forever when every connection is taken that way.
    with Session(bind=session.connection(), expire_on_commit=False) as own:
        copy = own.scalar(
            select(Election)
            .options(selectinload(Election.options))
            .where(Election.id == election_id)
        )
        if copy is not None:
            own.expunge_all()
    return copy


def process_of(session: Session, election: Election) -> Any:
    """The process ``election`` is a stage of, or None (voting.processes.service.
    process_of), from this worker's copy while the election is open for voting: the
    receipt page names it, and it does not change while residents vote."""
    from voting.processes import service

    cache: _Cache | None = current_app.extensions.get("election_cache")
    if cache is None or not election.is_open():
        return service.process_of(session, election)
    now = time.monotonic()
    hit = cache.processes.get(election.id)
    if hit is None or now - hit[0] >= SECONDS:
        with Session(bind=session.connection(), expire_on_commit=False) as own:
            found = service.process_of(own, election.id)
            own.expunge_all()
        hit = (now, _NONE if found is None else found)
        with cache.lock:
            cache.processes[election.id] = hit
    return None if hit[1] is _NONE else session.merge(hit[1], load=False)
