"""Helpers for the process tests: a process of stages, its letters as the clerk
downloads them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tools.fake_register import register_csv
from voting import codes
from voting.models import Election, Process, ProcessStage


def make_process(db_session: Session, *elections: Election, slug: str = "traject") -> Process:
    """A process with ``elections`` as its stages, in that order."""
    process = Process(slug=slug, title="Buurtbudget Oud-Woensel", ideas_per_code=2)
    db_session.add(process)
    db_session.flush()
    for position, election in enumerate(elections):
        db_session.add(
            ProcessStage(process_id=process.id, election_id=election.id, position=position)
        )
    db_session.commit()
    return process


def register(count: int, seed: int = 5) -> bytes:
    """A fake register of ``count`` residents (everyone of age)."""
    return register_csv(count, seed=seed).encode()


def import_letters(
    client: FlaskClient, process: Process, body: bytes, **fields: str
) -> list[dict[str, str]]:
    """Import ``body`` on the process's letters page as a mail-merge CSV and return
    its rows (one per letter, with the code in ``stemcode``)."""
    response = client.post(
        f"/beheer/trajecten/{process.id}/brieven/importeren",
        data={"register": (io.BytesIO(body), "register.csv"), "output": "csv", **fields},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


MakeElection = Callable[..., Election]


def codes_in_pdf(data: bytes) -> list[str]:
    """The letter codes printed in a letters PDF."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        words = page.extract_text().split()
        found += [codes.normalise(w) for w in words if len(w) == 21 and codes.problem(w) is None]
    return found
