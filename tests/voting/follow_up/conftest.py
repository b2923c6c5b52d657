"""A certified referendum and a certified buurtbudget to follow up on, and a real local
SMTP server."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.voting.tally_helpers import add_ballots, make_key
from voting.models import Election, RollEntry
from voting.tally import certify_election, count_election


@pytest.fixture
def certify(
    app: Flask, make_election: Callable[..., Election], db_session: Session
) -> Callable[..., Election]:
    """Make, count and certify an election: ``certify(kind="budget")``."""
    key = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)

    def make(kind: str = "referendum", slug: str | None = None) -> Election:
        if kind == "budget":
            election = make_election(
                kind="budget",
                rule="greedy",
                costs=[30_000, 15_000, 9_000],
                phase="closed",
                slug=slug or "buurtbudget-test",
                title="Buurtbudget Test",
            )
            ballots = [["P01"], ["P01", "P03"], ["P03"], ["P02"]]
        else:
            election = make_election(
                phase="closed", slug=slug or "centrumplan-test", title="Centrumplan Test"
            )
            ballots = [["A", "B"], ["A"], ["B", "A"]]
        # Voter keys of its own per election, so tests can tell whose data is left.
        for number in range(10):
            key_text = hashlib.sha256(f"{election.slug}:{number}".encode()).hexdigest()
            db_session.add(RollEntry(election_id=election.id, voter_key=key_text))
        db_session.commit()
        add_ballots(db_session, election, ballots)
        count_election(db_session, election, "griffie")
        certify_election(db_session, election, "griffie", key)
        return election

    return make


class LocalSmtp:
    """A real SMTP server (aiosmtpd) on a fixed local port that the test can stop and
    start again; ``messages`` holds what it accepted."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.messages: list[EmailMessage] = []
        self._controller: Any = None

    @property
    def url(self) -> str:
        """The ``SMTP_URL`` of this server."""
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Accept mail."""
        from aiosmtpd.controller import Controller

        server = self

        class Keep:
            async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
                server.messages.append(
                    message_from_bytes(envelope.content, policy=default_policy)  # type: ignore[arg-type]
                )
                return "250 OK"

        self._controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Refuse connections, as a mail server that is down."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    """A running local SMTP server."""
    server = LocalSmtp()
    server.start()
    yield server
    server.stop()
