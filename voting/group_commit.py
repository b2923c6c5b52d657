"""Group commit of the casts on a SQLite file: the casts that wait for the writer's turn
meanwhile go in together, as one transaction with one commit.

SQLite writes one transaction at a time. A cast holds the write lock for its three
statements and its commit, but in a busy worker the thread holding it also waits for
Python's interpreter lock behind the threads that are making pages, so the turn lasts
far longer than its work (tools/loadtest.py, 50 clients: the cast was the one slow
step of a visit, p50 344 ms against 123-147 ms for every other request, and casts
queued behind each other at one turn per 25 ms). Here the first cast that finds no
turn under way leads: it takes the writer's turn (:func:`voting.db.writer_turn`, over
every process), then every cast of this process that has queued meanwhile, writes
them in its session, commits once and tells each its outcome; the next cast in the
queue leads the next group. A cast that cannot vote (a used code, say) changes
nothing and is told so, and the others of its group are cast as usual; if the commit
fails, every cast of the group is told so and none is stored. Nobody is answered
before the commit that holds their ballot has returned, so an answered ballot is on
disk (``synchronous=FULL``, SQLite's default in WAL mode here) exactly as before.

PostgreSQL takes no group: its row locks let casts run side by side.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from voting import db

# A cast's statements in the given session: the receipt, or a CastError when the code
# cannot vote, in which case the function has changed nothing.
Write = Callable[[Session], str]


@dataclass(eq=False)
class _Pending:
    write: Write
    done: threading.Event = field(default_factory=threading.Event)
    # Set by the previous leader: this cast leads the next group.
    leads: bool = False
    receipt: str | None = None
    error: BaseException | None = None


class GroupCommit:
    """The queue of one process's casts on one SQLite database."""

    def __init__(self, is_cast_error: Callable[[BaseException], bool]) -> None:
        self._mutex = threading.Lock()
        self._queue: list[_Pending] = []
        self._leading = False
        self._is_cast_error = is_cast_error
        # Transactions committed (the tests read it).
        self.groups = 0

    @property
    def queued(self) -> int:
        """Casts waiting for a group to take them (the leader's own included)."""
        with self._mutex:
            return len(self._queue)

    def cast(self, session: Session, write: Write) -> str:
        """Run ``write`` in the group the cast joins and return its receipt; raises what
        ``write`` raised for this cast, or the error that stopped the group's commit."""
        mine = _Pending(write)
        with self._mutex:
            self._queue.append(mine)
            if not self._leading:
                self._leading = mine.leads = True
        try:
            if not mine.leads:
                mine.done.wait()
        except BaseException:
            self._leave(mine)
            raise
        if mine.leads and mine.receipt is None and mine.error is None:
            self._lead(session, mine)
        if mine.error is not None:
            raise mine.error
        assert mine.receipt is not None  # nosec B101 - set by _write for every cast
        return mine.receipt

    def _leave(self, mine: _Pending) -> None:
        """A waiting thread that is aborted: if no group has taken its cast, it leaves
        the queue, and an appointment to lead passes on to the next cast."""
        with self._mutex:
            if mine in self._queue:
                self._queue.remove(mine)
                if mine.leads:
                    self._appoint_locked()

    def _appoint_locked(self) -> None:
        if self._queue:
            self._queue[0].leads = True
            self._queue[0].done.set()
        else:
            self._leading = False

    def _lead(self, session: Session, mine: _Pending) -> None:
        group: list[_Pending] = []
        committed = False
        try:
            with db.writer_turn(session):
                # Taken only now: every cast that queued while this one waited for its
                # turn goes in the same transaction.
                with self._mutex:
                    group, self._queue = self._queue, []
                self._write(session, group)
                committed = True
        except BaseException as error:
            if not group:
                # Nothing of the others was tried: only this cast fails, the next leads.
                with self._mutex:
                    if mine in self._queue:
                        self._queue.remove(mine)
                group = [mine]
            if not committed:
                _fail(group, mine, error)
            elif mine.error is None:
                mine.receipt, mine.error = None, error
        finally:
            self._hand_over(group)

    def _write(self, session: Session, group: list[_Pending]) -> None:
        try:
            for pending in group:
                try:
                    pending.receipt = pending.write(session)
                except BaseException as error:
                    if not self._is_cast_error(error):
                        raise
                    pending.error = error
            session.commit()
        except BaseException:
            session.rollback()
            raise
        self.groups += 1

    def _hand_over(self, group: list[_Pending]) -> None:
        with self._mutex:
            self._appoint_locked()
        for pending in group:
            pending.done.set()


class GroupAborted(RuntimeError):
    """The transaction of this cast's group was rolled back: nothing of it is stored
    and its code is unused (the page asks to try again, voting.safe_responses)."""


def _fail(group: list[_Pending], leader: _Pending, error: BaseException) -> None:
    """Tell every cast of ``group`` that nothing of it was stored: the leader gets the
    error itself (and logs it once), the others an error of their own that holds
    nothing of it. The leader's error may quote another voter's statement (a code
    hash), and its traceback holds the whole group's casts, so it is not copied into
    the others' logs; and an interruption of the leader's thread (SystemExit) must
    not stop the threads that waited for it."""
    for pending in group:
        pending.receipt = None
        pending.error = (
            error
            if pending is leader
            else GroupAborted("the transaction of this cast's group was rolled back")
        )


_groups: weakref.WeakKeyDictionary[Engine, tuple[int, GroupCommit]] = weakref.WeakKeyDictionary()
_groups_mutex = threading.Lock()


def for_engine(engine: Engine, is_cast_error: Callable[[BaseException], bool]) -> GroupCommit:
    """The group commit of this process for ``engine`` (a new one after a fork: a
    gunicorn worker must not inherit its master's queue or mutex)."""
    with _groups_mutex:
        found = _groups.get(engine)
        if found is None or found[0] != os.getpid():
            found = (os.getpid(), GroupCommit(is_cast_error))
            _groups[engine] = found
        return found[1]


def applies(session: Session) -> bool:
    """True where casts are grouped: a SQLite file (one writer at a time)."""
    return db.sqlite_file(session) is not None
