"""A clerk sets up a process from existing elections and residents see one timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting import elections
from voting.error_words import explain
from voting.models import AuditEvent, Election, Process, ProcessStage, utcnow
from voting.tally import certify_election, count_election

NEW = {
    "title": "Buurtbudget Oud-Woensel",
    "slug": "oud-woensel",
    "description": "Vier stappen naar een beter Oud-Woensel.",
    "title_en": "",
    "description_en": "",
    "ideas_per_code": "2",
}


def _create(client: FlaskClient) -> int:
    response = client.post("/beheer/trajecten/nieuw", data=NEW)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _stages(db_session: Session, process_id: int) -> list[str]:
    db_session.expire_all()
    process = db_session.get(Process, process_id)
    assert process is not None
    return [stage.election.title for stage in process.stages]


def test_clerk_builds_and_orders_a_process(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    login("clerk")
    poll = make_election(
        title="Welke thema's?", phase="draft", ballot_type="approval", rule="approval"
    )
    vote = make_election(title="Stemmen op ideeën", kind="budget", phase="draft", costs=[10, 20])
    split = make_election(
        title="Verdeel het geld", phase="draft", ballot_type="approval", rule="approval"
    )
    make_election(title="Al begonnen")
    process_id = _create(client)
    page = client.get(f"/beheer/trajecten/{process_id}").get_data(as_text=True)
    # Only elections that have not started are offered.
    assert "Verdeel het geld" in page and "Al begonnen" not in page
    for election in (poll, vote, split):
        response = client.post(
            f"/beheer/trajecten/{process_id}/stappen", data={"election_id": election.id}
        )
        assert response.status_code == 303
    assert _stages(db_session, process_id) == [
        "Welke thema's?",
        "Stemmen op ideeën",
        "Verdeel het geld",
    ]
    stage_ids = {s.election_id: s.id for s in db_session.scalars(select(ProcessStage))}
    response = client.post(
        f"/beheer/trajecten/{process_id}/stappen/{stage_ids[split.id]}/verplaatsen",
        data={"richting": "omhoog"},
    )
    assert response.status_code == 303
    assert _stages(db_session, process_id) == [
        "Welke thema's?",
        "Verdeel het geld",
        "Stemmen op ideeën",
    ]
    # An election can be in one process only: a second process is not offered it.
    client.post("/beheer/trajecten/nieuw", data={**NEW, "slug": "ander-traject"})
    other = db_session.scalar(select(Process).where(Process.slug == "ander-traject"))
    assert other is not None
    response = client.post(f"/beheer/trajecten/{other.id}/stappen", data={"election_id": poll.id})
    assert response.status_code == 400
    # Removing a stage keeps the election.
    response = client.post(
        f"/beheer/trajecten/{process_id}/stappen/{stage_ids[poll.id]}/verwijderen"
    )
    assert response.status_code == 303
    assert _stages(db_session, process_id) == ["Verdeel het geld", "Stemmen op ideeën"]
    assert db_session.get(Election, poll.id) is not None
    actions = [e.action for e in db_session.scalars(select(AuditEvent))]
    assert actions.count("process.stage.add") == 3
    assert "process.stage.move" in actions and "process.stage.remove" in actions


def test_same_web_address_twice_is_refused(
    client: FlaskClient, login: Callable[..., object]
) -> None:
    login("clerk")
    _create(client)
    response = client.post("/beheer/trajecten/nieuw", data=NEW)
    assert response.status_code == 409
    assert "Een ander traject heeft dit webadres al." in response.get_data(as_text=True)


def test_ideas_only_for_a_buurtbudget(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    login("clerk")
    poll = make_election(title="Thema's", phase="draft", ballot_type="approval", rule="approval")
    process_id = _create(client)
    client.post(f"/beheer/trajecten/{process_id}/stappen", data={"election_id": poll.id})
    stage = db_session.scalar(select(ProcessStage))
    assert stage is not None
    response = client.post(
        f"/beheer/trajecten/{process_id}/stappen/{stage.id}/ideeen",
        data={f"s{stage.id}-takes_ideas": "y"},
    )
    assert response.status_code == 409
    assert "Alleen een buurtbudget neemt ideeën van bewoners aan." in response.get_data(
        as_text=True
    )


def test_public_timeline_shows_every_step_in_order_with_its_state(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    now = utcnow()
    poll = make_election(
        title="Thema's kiezen",
        ballot_type="approval",
        rule="approval",
        phase="certified",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=20),
    )
    split = make_election(
        title="Geld verdelen",
        ballot_type="approval",
        rule="approval",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=6),
    )
    vote = make_election(
        title="Stemmen op ideeën",
        kind="budget",
        phase="proposals",
        costs=[100],
        opens_at=now + timedelta(days=40),
        closes_at=now + timedelta(days=50),
    )
    login("clerk")
    process_id = _create(client)
    for election in (poll, split, vote):
        db_session.add(
            ProcessStage(
                process_id=process_id,
                election_id=election.id,
                position=len(_stages(db_session, process_id)),
            )
        )
        db_session.commit()
    stage = db_session.scalar(select(ProcessStage).where(ProcessStage.election_id == vote.id))
    assert stage is not None
    response = client.post(
        f"/beheer/trajecten/{process_id}/stappen/{stage.id}/ideeen",
        data={
            f"s{stage.id}-takes_ideas": "y",
            f"s{stage.id}-opens_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
            f"s{stage.id}-closes_at": (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 303
    page = client.get("/traject/oud-woensel").get_data(as_text=True)
    order = [
        page.index(text)
        for text in (
            "Stap 1: Thema&#39;s kiezen",
            "Stap 2: Geld verdelen",
            "Stap 3: Ideeën indienen",
            "Stap 4: Stemmen op ideeën",
        )
    ]
    assert order == sorted(order)
    assert "Klaar: de uitslag is bekend" in page  # the certified poll
    assert "Nu open: stem met uw code" in page  # the split
    assert page.count("Komt nog") == 2  # the ideas window and the final vote
    assert "Nu: stap 2." in page
    assert f'href="/uitslag/{poll.slug}"' in page
    # The open stage's card on the front page leads to the process.
    front = client.get("/").get_data(as_text=True)
    assert "Dit is een stap van het traject:" in front and 'href="/traject/oud-woensel"' in front
    assert "Beslissen in stappen" in front
    listing = client.get("/trajecten").get_data(as_text=True)
    assert "stap 2: Nu open: stem met uw code" in listing


def test_process_screens_need_a_clerk(client: FlaskClient, login: Callable[..., object]) -> None:
    assert client.get("/beheer/trajecten").status_code in (302, 401)
    login("organiser")
    assert client.get("/beheer/trajecten").status_code == 403
    assert client.get("/traject/bestaat-niet").status_code == 404


def test_winners_of_the_theme_poll_become_the_split_s_themes(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    poll = make_election(
        title="Thema's",
        ballot_type="approval",
        rule="approval",
        seats=2,
        phase="closed",
        options=["Groen", "Spelen", "Schoon"],
        box=False,
    )
    split = make_election(
        title="Verdeling",
        ballot_type="approval",
        rule="approval",
        phase="draft",
        options=["X", "Y"],
    )
    add_roll(db_session, poll, 5)
    add_ballots(
        db_session,
        poll,
        [["P01", "P02"], ["P02"], ["P02", "P03"], ["P01"]],  # Groen P01, Spelen P02
    )
    login("clerk")
    process_id = _create(client)
    for position, election in enumerate((poll, split)):
        db_session.add(
            ProcessStage(process_id=process_id, election_id=election.id, position=position)
        )
    db_session.commit()
    stages = {s.election_id: s.id for s in db_session.scalars(select(ProcessStage))}
    url = f"/beheer/trajecten/{process_id}/stappen/{stages[split.id]}/winnaars"
    early = client.post(url, data={"van": stages[poll.id]})
    assert early.status_code == 409
    assert "nog geen vastgestelde uitslag" in early.get_data(as_text=True)
    key = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    with app.test_request_context():
        count_election(db_session, poll, "griffie")
        certify_election(db_session, poll, "griffie", key)
    page = client.get(f"/beheer/trajecten/{process_id}").get_data(as_text=True)
    assert "Winnaars van 'Thema&#39;s' worden de opties van 'Verdeling'" in page
    assert client.post(url, data={"van": stages[poll.id]}).status_code == 303
    db_session.expire_all()
    titles = [o.title for o in db_session.get(Election, split.id).options]  # type: ignore[union-attr]
    assert titles == ["Spelen", "Groen"]
    assert "process.carry_winners" in [e.action for e in db_session.scalars(select(AuditEvent))]
    # Backwards is refused.
    back = client.post(
        f"/beheer/trajecten/{process_id}/stappen/{stages[poll.id]}/winnaars",
        data={"van": stages[split.id]},
    )
    assert back.status_code == 409


def _split_then_vote(
    client: FlaskClient, make_election: Callable[..., Election], db_session: Session
) -> tuple[int, Election, Election]:
    """A process (made by the logged-in clerk) of a split stage, then a buurtbudget
    stage still in review: its id, the split and the vote."""
    split = make_election(
        title="Verdeel het geld",
        ballot_type="distribution",
        rule="distribution-median",
        phase="draft",
        budget=100,
        options=["Groen", "Spelen"],
    )
    vote = make_election(title="Stemmen op ideeën", kind="budget", phase="review", costs=[10])
    process_id = _create(client)
    for position, election in enumerate((split, vote)):
        db_session.add(
            ProcessStage(process_id=process_id, election_id=election.id, position=position)
        )
    db_session.commit()
    return process_id, split, vote


def test_a_buurtbudget_stage_takes_its_theme_budgets_from_the_split_stage(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    # Before, the link from the vote to the split was only in the vote's own settings,
    # and offered only once the split was certified: nothing on the process said so.
    login("clerk")
    process_id, split, vote = _split_then_vote(client, make_election, db_session)
    stages = {s.election_id: s.id for s in db_session.scalars(select(ProcessStage))}
    page = client.get(f"/beheer/trajecten/{process_id}").get_data(as_text=True)
    assert "Budget per thema" in page
    assert "De uitkomst van stap 1: Verdeel het geld" in page
    url = f"/beheer/trajecten/{process_id}/stappen/{stages[vote.id]}/themabudget"
    prefix = f"t{stages[vote.id]}-"
    response = client.post(
        url, data={prefix + "source": str(stages[split.id]), prefix + "leftover": "pooled"}
    )
    assert response.status_code == 303
    db_session.expire_all()
    linked = db_session.get(Election, vote.id)
    assert linked is not None and linked.theme_split_id == split.id
    assert linked.leftover == "pooled"
    assert "process.stage.theme_split" in [e.action for e in db_session.scalars(select(AuditEvent))]
    page = client.get(f"/beheer/trajecten/{process_id}").get_data(as_text=True)
    assert "nog geen vastgestelde uitslag: de bedragen per thema volgen" in page
    # The vote's own settings show the same choice, so saving them keeps it.
    settings = client.get(f"/beheer/verkiezing/{vote.id}/instellingen").get_data(as_text=True)
    assert (
        f'<option selected value="{split.id}">Verdeel het geld (nog niet vastgesteld)' in settings
    )
    # The vote cannot open before the split has a certified outcome.
    with app.test_request_context():
        with pytest.raises(elections.PhaseError) as refused:
            elections.advance(db_session, linked, "voting", actor="griffie")
        assert "nog geen vastgestelde uitslag" in explain(refused.value)
    db_session.rollback()
    # A split that comes after the vote, and a stage that is no buurtbudget, are refused.
    later = client.post(
        f"/beheer/trajecten/{process_id}/stappen/{stages[split.id]}/themabudget",
        data={f"t{stages[split.id]}-source": "", f"t{stages[split.id]}-leftover": "unspent"},
    )
    assert later.status_code == 400
    none = client.post(url, data={prefix + "source": "", prefix + "leftover": "unspent"})
    assert none.status_code == 303
    db_session.expire_all()
    assert db_session.get(Election, vote.id).theme_split_id is None  # type: ignore[union-attr]


def test_a_linked_split_stays_before_its_vote_until_unlinked(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    # Before, moving the split after the vote or removing either stage kept the vote's
    # link to the split, which the process page then no longer showed.
    login("clerk")
    process_id, split, vote = _split_then_vote(client, make_election, db_session)
    stages = {s.election_id: s.id for s in db_session.scalars(select(ProcessStage))}
    prefix = f"t{stages[vote.id]}-"
    link = f"/beheer/trajecten/{process_id}/stappen/{stages[vote.id]}/themabudget"
    assert (
        client.post(
            link, data={prefix + "source": str(stages[split.id]), prefix + "leftover": "unspent"}
        ).status_code
        == 303
    )
    steps = f"/beheer/trajecten/{process_id}/stappen"
    for refused in (
        client.post(f"{steps}/{stages[split.id]}/verplaatsen", data={"richting": "omlaag"}),
        client.post(f"{steps}/{stages[vote.id]}/verplaatsen", data={"richting": "omhoog"}),
        client.post(f"{steps}/{stages[split.id]}/verwijderen"),
        client.post(f"{steps}/{stages[vote.id]}/verwijderen"),
    ):
        assert refused.status_code == 409
        assert "Stap 1 geeft stap 2 het budget per thema" in refused.get_data(as_text=True)
    db_session.expire_all()
    order = [s.election_id for s in db_session.scalars(select(ProcessStage).order_by("position"))]
    assert order == [split.id, vote.id]
    assert db_session.get(Election, vote.id).theme_split_id == split.id  # type: ignore[union-attr]
    # Unlinked, the split can move after the vote and either stage can go.
    client.post(link, data={prefix + "source": "", prefix + "leftover": "unspent"})
    moved = client.post(f"{steps}/{stages[split.id]}/verplaatsen", data={"richting": "omlaag"})
    assert moved.status_code == 303
    assert client.post(f"{steps}/{stages[split.id]}/verwijderen").status_code == 303


def test_theme_split_refused_when_budgets_are_typed_or_voting_started(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    login("clerk")
    process_id, split, vote = _split_then_vote(client, make_election, db_session)
    vote.theme_budgets = '[["Groen", 20000], ["Spelen", 30000]]'
    db_session.commit()
    stages = {s.election_id: s.id for s in db_session.scalars(select(ProcessStage))}
    url = f"/beheer/trajecten/{process_id}/stappen/{stages[vote.id]}/themabudget"
    data = {
        f"t{stages[vote.id]}-source": str(stages[split.id]),
        f"t{stages[vote.id]}-leftover": "unspent",
    }
    typed = client.post(url, data=data)
    assert typed.status_code == 409
    assert "zelf getypte bedragen per thema" in typed.get_data(as_text=True)
    vote.theme_budgets = ""
    vote.phase = "voting"
    db_session.commit()
    page = client.get(f"/beheer/trajecten/{process_id}").get_data(as_text=True)
    assert "het budget per thema ligt vast" in page
    started = client.post(url, data=data)
    assert started.status_code == 409
    db_session.expire_all()
    assert db_session.get(Election, vote.id).theme_split_id is None  # type: ignore[union-attr]
