"""One letter, one code for a whole process: it votes once in each voting stage,
stage by stage, online or on paper; a lost letter is replaced in every stage; nothing
stored ties one stage's code row to another's or to the process's."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.voting.letters_support import ENDINGS, end_download_and_check_connections
from tests.voting.processes.support import MakeElection, import_letters, make_process, register
from tests.voting.vote.support import assert_consistent, enter_code, vote
from voting import codes, roll
from voting.models import Election, Process, ProcessCode, RollEntry, VotingCode
from voting.processes import roll as process_roll


@pytest.fixture
def stages(make_election: MakeElection, db_session: Session) -> tuple[Election, Election, Process]:
    poll = make_election(
        title="Welke thema's?", ballot_type="approval", rule="approval", phase="draft", min_age=0
    )
    final = make_election(
        title="Stemmen op ideeën", kind="budget", phase="draft", costs=[100, 200], min_age=0
    )
    return poll, final, make_process(db_session, poll, final)


def _set_phase(db_session: Session, election: Election, phase: str) -> None:
    db_session.refresh(election)
    election.phase = phase
    db_session.commit()


def _hashes(db_session: Session, election: Election) -> set[str]:
    return set(
        db_session.scalars(
            select(VotingCode.code_hash).where(VotingCode.election_id == election.id)
        )
    )


def _codes_in_pdf(data: bytes) -> list[str]:
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        words = page.extract_text().split()
        found += [codes.normalise(w) for w in words if len(w) == 21 and codes.problem(w) is None]
    return found


def test_one_code_votes_once_in_each_stage(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., object],
    db_session: Session,
    stages: tuple[Election, Election, Process],
) -> None:
    poll, final, process = stages
    login("clerk")
    rows = import_letters(client, process, register(6))
    assert len(rows) == 6
    for election in (poll, final):
        counts = roll.roll_counts(db_session, election.id)
        assert counts["roll"] == 6 and counts["live"] == 6
    # Each stage has its own hash of every code, and the process yet another: no
    # value in one table finds a row in another without the code itself.
    process_hashes = set(db_session.scalars(select(ProcessCode.code_hash)))
    assert len(process_hashes) == 6
    assert not _hashes(db_session, poll) & _hashes(db_session, final)
    assert not process_hashes & (_hashes(db_session, poll) | _hashes(db_session, final))
    # ... and the stages' voter keys differ too.
    keys = [
        set(db_session.scalars(select(RollEntry.voter_key).where(RollEntry.election_id == e.id)))
        for e in (poll, final)
    ]
    assert not keys[0] & keys[1]

    code = rows[0]["stemcode"]
    resident = app.test_client()
    # Before any stage opens, the code is known and told when to come back.
    page = enter_code(resident, code).get_data(as_text=True)
    assert "Welke thema" in page

    def process_rows() -> list[tuple[object, ...]]:
        db_session.expire_all()
        return [
            (r.id, r.code_hash, r.resident_key, r.issued_at, r.revoked_at, r.ideas_used)
            for r in db_session.scalars(select(ProcessCode).order_by(ProcessCode.id))
        ]

    before = process_rows()
    # The clerk may still rename a stage's web address after the letters went out.
    poll.slug = "themas-oud-woensel"
    _set_phase(db_session, poll, "voting")
    assert vote(resident, poll, code, {"choice": ["A", "B"]}).status_code == 303
    receipt = resident.get("/stem/bewijs").get_data(as_text=True)
    assert "met dezelfde code doet u mee aan de volgende stappen" in receipt
    assert f'href="/traject/{process.slug}"' in receipt
    again = app.test_client()
    used = enter_code(again, code)
    assert used.status_code == 409
    assert "Deze stemming is een stap van een traject." in used.get_data(as_text=True)
    _set_phase(db_session, poll, "closed")
    _set_phase(db_session, final, "voting")
    later = app.test_client()
    assert vote(later, final, code, {"choice": ["P01"]}).status_code == 303
    assert enter_code(app.test_client(), code).status_code == 409
    assert roll.roll_counts(db_session, poll.id)["used"] == 1
    assert roll.roll_counts(db_session, final.id)["used"] == 1
    assert db_session.scalar(select(ProcessCode.revoked_at).limit(1)) is None
    # Casting touched no process row: only each stage's own code row was marked used.
    assert process_rows() == before
    assert_consistent(db_session)


def test_letter_names_every_stage_with_its_dates(
    client: FlaskClient,
    login: Callable[..., object],
    stages: tuple[Election, Election, Process],
) -> None:
    _poll, _final, process = stages
    login("clerk")
    response = client.post(
        f"/beheer/trajecten/{process.id}/brieven/importeren",
        data={"register": (io.BytesIO(register(2)), "r.csv"), "output": "pdf"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert len(reader.pages) == 2
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Meedoen aan: Buurtbudget Oud-Woensel" in text
    assert "Stap 1. Welke thema's? – stemmen van" in text
    assert "Stap 2. Stemmen op ideeën – stemmen van" in text
    assert "in elke stemming stemt u er één keer mee" in text
    assert len(_codes_in_pdf(response.get_data())) == 2
    # Once letters exist, the stages they name stay as they are.
    stage_id = process.stages[0].id
    refused = client.post(f"/beheer/trajecten/{process.id}/stappen/{stage_id}/verwijderen")
    assert refused.status_code == 409


def test_lost_letter_is_replaced_in_every_stage_still_to_vote(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., object],
    db_session: Session,
    stages: tuple[Election, Election, Process],
) -> None:
    poll, final, process = stages
    login("clerk")
    body = register(3)
    rows = import_letters(client, process, body)
    reference = next(csv.reader(io.StringIO(body.decode().splitlines()[1]), delimiter=";"))[0]
    old = rows[0]["stemcode"]
    _set_phase(db_session, poll, "voting")
    assert vote(app.test_client(), poll, old, {"choice": ["A"]}).status_code == 303
    lookup_page = client.post(
        f"/beheer/trajecten/{process.id}/brieven/nieuwe-brief",
        data={"person_reference": reference, "lookup": "Opzoeken"},
    ).get_data(as_text=True)
    assert "heeft gestemd" in lookup_page and "nog niet gestemd" in lookup_page
    letter = client.post(
        f"/beheer/trajecten/{process.id}/brieven/nieuwe-brief",
        data={
            "person_reference": reference,
            "name": "A. de Vries",
            "address": "Hemelrijken 1",
            "postcode": "5612 AB",
            "town": "Eindhoven",
            "print_letter": "1",
        },
    )
    assert letter.status_code == 200, letter.get_data(as_text=True)[:3000]
    (new,) = _codes_in_pdf(letter.get_data())
    assert enter_code(app.test_client(), old).status_code == 410  # revoked everywhere
    assert enter_code(app.test_client(), new).status_code == 409  # voted in the poll
    _set_phase(db_session, poll, "closed")
    _set_phase(db_session, final, "voting")
    assert vote(app.test_client(), final, new, {"choice": ["P02"]}).status_code == 303
    assert roll.roll_counts(db_session, poll.id)["used"] == 1
    final_counts = roll.roll_counts(db_session, final.id)
    assert (final_counts["used"], final_counts["revoked"], final_counts["roll"]) == (1, 1, 3)
    # Someone who never got a process letter is told so.
    unknown = client.post(
        f"/beheer/trajecten/{process.id}/brieven/nieuwe-brief",
        data={
            "person_reference": "nobody",
            "name": "X",
            "address": "Y 1",
            "postcode": "5612 AB",
            "town": "Z",
            "print_letter": "1",
        },
    )
    assert unknown.status_code == 404
    assert_consistent(db_session)


def test_paper_ballot_with_the_process_code_counts_in_its_stage(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., object],
    db_session: Session,
    stages: tuple[Election, Election, Process],
) -> None:
    poll, _final, process = stages
    login("clerk")
    rows = import_letters(client, process, register(2))
    _set_phase(db_session, poll, "voting")
    response = client.post(
        f"/beheer/papier/{poll.id}", data={"code": rows[1]["stemcode"], "choice": "B"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    db_session.expire_all()
    channels = db_session.scalars(
        select(VotingCode.used_channel).where(VotingCode.used_at.is_not(None))
    ).all()
    assert channels == ["paper"]
    # The same code then cannot vote online in that stage.
    assert enter_code(app.test_client(), rows[1]["stemcode"]).status_code == 409
    assert_consistent(db_session)


def test_a_stage_gets_its_letters_from_the_process(
    client: FlaskClient,
    login: Callable[..., object],
    stages: tuple[Election, Election, Process],
) -> None:
    poll, _final, _process = stages
    login("clerk")
    response = client.post(
        f"/beheer/verkiezing/{poll.id}/kiezers/importeren",
        data={"register": (io.BytesIO(register(2)), "r.csv"), "output": "csv"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert "Maak de brieven en nieuwe brieven bij het traject" in response.get_data(as_text=True)


def test_row_order_ties_no_stage_to_another(
    client: FlaskClient,
    login: Callable[..., object],
    db_session: Session,
    stages: tuple[Election, Election, Process],
) -> None:
    """Rows get their ids in the order they are written: each stage's roll and codes are
    written in their own random order, so the n-th row of one stage is not the n-th
    resident of another, nor the n-th letter."""
    poll, final, process = stages
    login("clerk")
    body = register(40)
    rows = import_letters(client, process, body)
    references = [line.split(";")[0] for line in body.decode().splitlines()[1:]]
    pepper = client.application.config["CODE_PEPPER"]

    def order(election: Election) -> list[str]:
        by_key = {codes.voter_key(pepper, election.slug, ref): ref for ref in references}
        keys = db_session.scalars(
            select(RollEntry.voter_key)
            .where(RollEntry.election_id == election.id)
            .order_by(RollEntry.id)
        )
        return [by_key[key] for key in keys]

    def code_order(election: Election) -> list[str]:
        by_hash = {
            codes.stage_code_hash(pepper, election.id, r["stemcode"]): r["stemcode"] for r in rows
        }
        hashes = db_session.scalars(
            select(VotingCode.code_hash)
            .where(VotingCode.election_id == election.id)
            .order_by(VotingCode.id)
        )
        return [by_hash[h] for h in hashes]

    letters = [r["stemcode"] for r in rows]
    assert sorted(order(poll)) == sorted(order(final)) == sorted(references)
    assert order(poll) != order(final) and order(poll) != references
    assert code_order(poll) != code_order(final) and code_order(poll) != letters
    by_process_hash = {codes.code_hash(pepper, c): c for c in letters}
    process_order = [
        by_process_hash[h]
        for h in db_session.scalars(select(ProcessCode.code_hash).order_by(ProcessCode.id))
    ]
    assert process_order != letters


def test_retention_deletes_the_process_codes_after_the_last_stage(
    client: FlaskClient,
    login: Callable[..., object],
    db_session: Session,
    stages: tuple[Election, Election, Process],
) -> None:
    from datetime import timedelta

    from voting import retention
    from voting.models import utcnow

    poll, final, process = stages
    login("clerk")
    import_letters(client, process, register(4))
    long_ago = utcnow() - timedelta(days=400)
    # As if certified long ago (a plain UPDATE: certifying itself needs a signed record).
    db_session.execute(
        update(Election)
        .where(Election.id == poll.id)
        .values(phase="certified", certified_at=long_ago)
    )
    db_session.commit()
    # The vote on the ideas is still to come: the letter's codes stay.
    retention.run(db_session, 30, apply=True, actor="griffie")
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(ProcessCode)) == 4
    db_session.execute(
        update(Election)
        .where(Election.id == final.id)
        .values(phase="certified", certified_at=long_ago + timedelta(days=10))
    )
    db_session.commit()
    report = retention.run(db_session, 30, apply=True, actor="griffie")
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(ProcessCode)) == 0
    assert sum(r.counts.get("process_codes", 0) for r in report) == 4


def _demo_process_letter(db_session: Session, *, first_vote_open: bool) -> tuple[Any, Any]:
    """The demo process (its first vote open, as the demo leaves it, or still in review)
    and the pages of one letter for it, as the letters download makes them."""
    from datetime import date as day

    from voting.cli.demo_process import add_demo_process
    from voting.documents.letters import letters_pdf, process_letter_context
    from voting.processes.service import timeline
    from voting.roll_import import Resident

    demo = add_demo_process(db_session, "test-pepper-not-secret")
    assert demo.process.stages[0].election.phase == "voting"
    if not first_vote_open:
        demo.process.stages[0].election.phase = "review"
    context = process_letter_context(
        demo.process,
        timeline(demo.process),
        {"MUNICIPALITY": "Gemeente Eindhoven", "PUBLIC_BASE_URL": "https://stem.example.nl"},
    )
    born = day(1980, 1, 1)
    resident = Resident(1, "X", "A. Bewoner", "Kloosterdreef 1", "5622AB", "Eindhoven", born)
    pdf = letters_pdf(context, [[roll.Letter(resident, demo.codes[0], 1)]])
    return demo, PdfReader(io.BytesIO(pdf)).pages


def test_the_demo_process_letter_names_four_steps_on_one_page(db_session: Session) -> None:
    # As printed before the first vote opens (in the demo it is open already, and a
    # letter printed then names only the steps still to come).
    demo, pages = _demo_process_letter(db_session, first_vote_open=False)
    assert len(pages) == 1
    text = " ".join(pages[0].extract_text().split())
    for number in (1, 2, 3, 4):
        assert f"Stap {number}." in text
    assert "Stap 3. Ideeën indienen – van" in text
    assert "https://stem.example.nl/traject/traject-oud-woensel" in text
    assert codes.formatted(demo.codes[0]) in text


def test_a_letter_printed_once_a_step_has_begun_names_only_the_steps_to_come(
    db_session: Session,
) -> None:
    # Residents imported while step 1 is open are on the rolls of the later steps only;
    # the letter used to promise all four ("U gebruikt hem in elke stap").
    _demo, pages = _demo_process_letter(db_session, first_vote_open=True)
    text = " ".join(pages[0].extract_text().split())
    assert "Stap 1." not in text
    assert "Stap 2." in text and "Stap 4." in text
    assert "Een deel van de stappen is al begonnen" in text


def test_steps_too_long_for_the_page_point_at_the_timeline() -> None:
    from voting.documents.letters import LetterContext, letters_pdf
    from voting.roll_import import Resident

    context = LetterContext(
        municipality="Gemeente Eindhoven",
        title="Buurtbudget",
        question="",
        base_url="https://stem.example.nl",
        proposals_url="https://stem.example.nl/traject/buurtbudget",
        stages=tuple(
            f"Stap {n}. " + "Een heel lange stap met veel woorden. " * 4 for n in range(6)
        ),
    )
    resident = Resident(1, "X", "A. Bewoner", "Kloosterdreef 1", "5622AB", "Eindhoven", None)
    reader = PdfReader(
        io.BytesIO(letters_pdf(context, [[roll.Letter(resident, "K7QM3XD9PA2FW8RT6")]]))
    )
    text = " ".join(reader.pages[0].extract_text().split())
    assert "De 6 stappen en hun data staan op https://stem.example.nl/traject/buurtbudget" in text
    assert "keuzes" not in text and "Stap 1." not in text


@pytest.mark.parametrize("ending", ENDINGS)
def test_letters_download_gives_its_database_connection_back(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., object],
    db_session: Session,
    stages: tuple[Election, Election, Process],
    monkeypatch: pytest.MonkeyPatch,
    ending: str,
) -> None:
    # As for one election's roll (test_roll_routes): however the download ends, its
    # connection goes back to the pool at once.
    _poll, _final, process = stages
    login("clerk")
    end_download_and_check_connections(
        app,
        monkeypatch,
        process_roll,
        lambda: client.post(
            f"/beheer/trajecten/{process.id}/brieven/importeren",
            data={"register": (io.BytesIO(register(3)), "r.csv"), "output": "csv"},
            content_type="multipart/form-data",
            buffered=False,
        ),
        ending,
        letters=3,
    )
    if ending == "failed":
        # Nothing of the failed batch was kept: no resident has a process code.
        assert db_session.scalar(select(func.count()).select_from(ProcessCode)) == 0


def test_a_steps_dates_stay_as_the_letters_name_them(
    client: FlaskClient,
    login: Callable[..., object],
    db_session: Session,
    stages: tuple[Election, Election, Process],
) -> None:
    # Before, the settings page saved new dates for a step after the letters were made:
    # the public timeline then contradicted every resident's letter.
    from tests.voting.test_setup_routes import election_form

    poll, _final, process = stages
    login("clerk")
    settings = f"/beheer/verkiezing/{poll.id}/instellingen"
    fields = {
        "title": poll.title,
        "slug": "themas",
        "ballot_type": "approval",
        "rule": "approval",
        "min_age": "0",
    }
    assert client.post(settings, data=election_form(**fields)).status_code == 302
    db_session.expire_all()
    printed = db_session.get(Election, poll.id)
    assert printed is not None
    opens, closes = printed.opens_at, printed.closes_at
    import_letters(client, process, register(2))
    moved = client.post(settings, data=election_form(**fields, closes_at="2026-12-20T20:00"))
    assert moved.status_code == 400
    assert "De brieven van het traject zijn al gemaakt" in moved.get_data(as_text=True)
    db_session.expire_all()
    kept = db_session.get(Election, poll.id)
    assert kept is not None and (kept.opens_at, kept.closes_at) == (opens, closes)
    # Other settings still save while the dates stay as printed.
    retitled = client.post(settings, data=election_form(**{**fields, "title": "Thema's"}))
    assert retitled.status_code == 302
