"""Setup as a new clerk meets it: under-age residents are not 'bad rows', letters wait
for a fixed ballot, the turnout threshold is said everywhere, letters are numbered
from 1, options can be corrected with a public note and are deleted only after a
confirmation, and closing early needs its own tick."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.models import AuditEvent, Election, Option, RollEntry

HEADER = "persoonsreferentie;naam;adres;postcode;woonplaats;geboortedatum\n"
ADULT = "1001;Anna de Vries;Dorpsstraat 1;6921 AB;Duiven;01-02-1980\n"
ADULT2 = "1002;Piet Bakker;Dorpsstraat 3;6921 AB;Duiven;01-02-1975\n"
CHILD = "1003;Kind de Vries;Dorpsstraat 1;6921 AB;Duiven;01-02-2020\n"


def upload(body: str, **fields: Any) -> dict[str, Any]:
    return {"register": (io.BytesIO(body.encode()), "register.csv"), **fields}


def roll_url(election: Election, path: str) -> str:
    return f"/beheer/verkiezing/{election.id}/kiezers{path}"


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_under_age_residents_do_not_block_the_import(
    client: FlaskClient, login, make_election: Callable[..., Election], db_session: Session
) -> None:
    election = make_election(phase="draft", min_age=16, turnout_threshold_percent=30)
    login("clerk")
    body = HEADER + ADULT + CHILD + ADULT2
    check = client.post(roll_url(election, "/controleren"), data=upload(body))
    html = check.get_data(as_text=True)
    assert "1 bewoner is niet stemgerechtigd" in html
    assert "1 bewoners" not in html
    assert "0 regels zijn fout" in html
    assert "<caption>Foute regels</caption>" not in html
    response = client.post(roll_url(election, "/importeren"), data=upload(body, output="pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_text(response.get_data())
    assert len(pages) == 2
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 2
    # The first letter is number 1, the second number 2.
    assert "Kenmerk: 1" in pages[0] and "Kenmerk: 2" in pages[1]
    # The turnout threshold is on the letter.
    assert "minstens 30% van de" in " ".join(pages[0].split())


def test_no_letters_while_proposals_can_still_change(
    client: FlaskClient, login, make_election: Callable[..., Election], db_session: Session
) -> None:
    election = make_election(kind="budget", phase="proposals", costs=[1000, 2000], min_age=0)
    login("clerk")
    page = client.get(roll_url(election, "/")).get_data(as_text=True)
    assert "Nog geen brieven:" in page
    response = client.post(roll_url(election, "/importeren"), data=upload(HEADER + ADULT))
    assert response.status_code == 409
    assert "pas als de voorstellen vastliggen" in response.get_data(as_text=True)
    # In review with a proposal not yet decided: still refused.
    election.phase = "review"
    election.options[0].review_status = "submitted"
    db_session.commit()
    response = client.post(roll_url(election, "/importeren"), data=upload(HEADER + ADULT))
    assert response.status_code == 409
    assert "niet zijn beoordeeld" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 0
    # All decided: letters can be made, with a reminder that the ballot now counts 1.
    election.options[0].review_status = "rejected"
    db_session.commit()
    page = client.get(roll_url(election, "/")).get_data(as_text=True)
    assert "Het stembiljet heeft nu 1 opties" in page
    response = client.post(
        roll_url(election, "/importeren"), data=upload(HEADER + ADULT, output="pdf")
    )
    assert response.status_code == 200


def test_clerk_corrects_a_cost_with_a_public_note(
    client: FlaskClient, login, make_election: Callable[..., Election], db_session: Session
) -> None:
    election = make_election(kind="budget", phase="review", costs=[12_000, 2000])
    option = election.options[0]
    option.description = "Een speeltuin met een klimrek en bankjes."
    db_session.commit()
    login("clerk")
    listing = client.get(f"/beheer/verkiezing/{election.id}/opties").get_data(as_text=True)
    assert "Een speeltuin met een klimrek en bankjes." in listing  # explanation shown
    url = f"/beheer/verkiezing/{election.id}/opties/{option.id}/bewerken"
    form = {"title": option.title, "summary": "", "description": option.description}
    refused = client.post(url, data={**form, "cost": 15_000})
    assert refused.status_code == 400
    assert "Leg uit waarom de kosten veranderen" in refused.get_data(as_text=True)
    note = "De gemeente heeft de kosten nagerekend: de ondergrond kost € 3.000 extra."
    done = client.post(url, data={**form, "cost": 15_000, "public_note": note})
    assert done.status_code == 302
    db_session.expire_all()
    corrected = db_session.get(Option, option.id)
    assert corrected is not None and corrected.cost == 15_000 and corrected.public_note == note
    events = db_session.scalars(select(AuditEvent.action)).all()
    assert "option.update" in events and "option.public_note" in events
    election.phase = "voting"
    db_session.commit()
    public = client.get(f"/voorstellen/{election.slug}").get_data(as_text=True)
    assert "de ondergrond kost" in public


def test_deleting_needs_a_confirmation(
    client: FlaskClient, login, make_election: Callable[..., Election], db_session: Session
) -> None:
    election = make_election(phase="draft")
    option = election.options[0]
    login("clerk")
    url = f"/beheer/verkiezing/{election.id}/opties/{option.id}/verwijderen"
    unconfirmed = client.post(url, follow_redirects=True)
    assert "Bevestig eerst" in unconfirmed.get_data(as_text=True)
    assert "Weet u het zeker?" in unconfirmed.get_data(as_text=True)
    assert db_session.get(Option, option.id) is not None
    assert client.post(url, data={"confirm": "ja"}).status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Option)) == 2


def test_closing_before_the_announced_end_needs_its_own_tick(
    client: FlaskClient, login, make_election: Callable[..., Election], db_session: Session
) -> None:
    election = make_election(phase="voting")  # closes in a week
    login("clerk")
    page = client.get(f"/beheer/verkiezing/{election.id}").get_data(as_text=True)
    assert "de stemming is aangekondigd tot" in page
    url = f"/beheer/verkiezing/{election.id}/fase"
    refused = client.post(url, data={"confirm": "ja", "to": "closed"}, follow_redirects=True)
    assert "Vink aan dat u bewust eerder sluit" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == "voting"
    client.post(url, data={"confirm": "ja", "confirm_early": "ja", "to": "closed"})
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == "closed"


def test_organisers_cannot_edit_or_move_phases(
    client: FlaskClient, login, make_election: Callable[..., Election]
) -> None:
    election = make_election(phase="draft")
    option = election.options[0]
    login("organiser")
    for path in (
        f"/beheer/verkiezing/{election.id}/opties/{option.id}/bewerken",
        f"/beheer/verkiezing/{election.id}/opties/{option.id}/verwijderen-bevestigen",
        f"/beheer/verkiezing/{election.id}",
        "/beheer/",
        "/beheer/logboek",
    ):
        assert client.get(path).status_code == 403, path
    moved = client.post(f"/beheer/verkiezing/{election.id}/fase", data={"confirm": "ja"})
    assert moved.status_code == 403
