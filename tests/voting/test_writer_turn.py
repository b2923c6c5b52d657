"""Casts on a SQLite file take turns on a file lock (voting.db.writer_turn): a second
writer waits while one holds it and goes on the moment it is released; on
PostgreSQL it is no lock at all."""

from __future__ import annotations

import threading
import time

from flask import Flask
from sqlalchemy.orm import Session

from voting import db


def test_a_second_writer_waits_for_the_first(app: Flask, db_session: Session) -> None:
    sqlite = db_session.get_bind().engine.url.get_backend_name() == "sqlite"
    entered = threading.Event()

    def second() -> None:
        other: Session = app.extensions["db_sessionmaker"]()
        try:
            with db.writer_turn(other):
                entered.set()
        finally:
            other.close()

    with db.writer_turn(db_session):
        waiting = threading.Thread(target=second)
        waiting.start()
        # On SQLite the second writer is still outside; elsewhere it went straight in.
        assert entered.wait(0.3) is not sqlite
        released = time.monotonic()
    assert entered.wait(5)
    waiting.join(5)
    assert time.monotonic() - released < 1.0
