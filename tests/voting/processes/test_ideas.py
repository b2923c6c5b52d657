"""Ideas: a resident sends one in with the process letter's code (which stays good for
voting), within a limit per code, with cost lines that add up and a photo stripped of
its metadata; the clerk checks it with a public reason, corrects the cost with a public
note and merges duplicates; every proposal has a public page, linked from the ballot."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.processes.support import (
    MakeElection,
    import_letters,
    make_process,
    register,
)
from tests.voting.processes.support import (
    codes_in_pdf as _codes_in_pdf,
)
from voting.models import (
    Attachment,
    AuditEvent,
    Election,
    Option,
    Process,
    ProcessStage,
    VotingCode,
    utcnow,
)

IDEA = {
    "title": "Bankjes bij het speelveld",
    "summary": "Drie bankjes zodat ouders kunnen zitten.",
    "description": "Nu staan ouders een uur lang.",
    "theme": "Spelen",
    "location": "Hemelrijken, Kloosterdreef",
    "kosten-post-1": "Drie bankjes",
    "kosten-bedrag-1": "2.400",
    "kosten-post-2": "Plaatsen",
    "kosten-bedrag-2": "600",
    "total": "3000",
    "submitter_name": "",
}


def photo_with_metadata() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Telefoonmerk"  # Make
    exif[0x0110] = "Model X"  # Model
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def setup(
    make_election: MakeElection,
    db_session: Session,
    client: FlaskClient,
    login: Callable[..., object],
) -> tuple[Election, Process, list[str]]:
    poll = make_election(
        title="Thema's",
        ballot_type="approval",
        rule="approval",
        phase="draft",
        options=["Groen", "Spelen", "Veiligheid"],
        min_age=0,
    )
    final = make_election(
        title="Buurtbudget Hemelrijken", kind="budget", phase="proposals", costs=[5000], min_age=0
    )
    process = make_process(db_session, poll, final)
    stage = db_session.scalar(select(ProcessStage).where(ProcessStage.election_id == final.id))
    assert stage is not None
    stage.takes_ideas = True
    stage.ideas_opens_at = utcnow() - timedelta(days=1)
    stage.ideas_closes_at = utcnow() + timedelta(days=1)
    db_session.commit()
    login("clerk")
    rows = import_letters(client, process, register(3))
    return final, process, [row["stemcode"] for row in rows]


def _start(resident: FlaskClient, election: Election, code: str) -> None:
    response = resident.post(f"/ideeen/{election.slug}", data={"code": code})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


def test_resident_sends_in_an_idea_with_the_letter_code(
    app: Flask, db_session: Session, setup: tuple[Election, Process, list[str]]
) -> None:
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[0].lower())
    form = resident.get(f"/ideeen/{final.slug}/idee").get_data(as_text=True)
    assert "U kunt nog 2 ideeën indienen." in form
    assert '<option value="Spelen">Spelen</option>' in form  # themes from the poll
    response = resident.post(
        f"/ideeen/{final.slug}/idee",
        data={**IDEA, "image": (io.BytesIO(photo_with_metadata()), "IMG_0001.JPG")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    db_session.expire_all()
    idea = db_session.scalar(select(Option).where(Option.title == IDEA["title"]))
    assert idea is not None
    assert (idea.review_status, idea.cost, idea.from_resident) == ("submitted", 3000, True)
    assert idea.cost_lines == [
        {"item": "Drie bankjes", "amount": 2400},
        {"item": "Plaatsen", "amount": 600},
    ]
    assert (idea.theme, idea.location) == ("Spelen", "Hemelrijken, Kloosterdreef")
    stored = db_session.get(Attachment, idea.image_id)
    assert stored is not None and stored.content_type == "image/jpeg"
    assert b"Telefoonmerk" not in stored.data
    assert not Image.open(io.BytesIO(stored.data)).getexif()
    page = resident.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ingediend. De gemeente bekijkt of het kan." in page
    assert "Drie bankjes" in page and "Kloosterdreef" in page and "een bewoner" in page
    photo = resident.get(f"/voorstel/foto/{idea.image_id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    # Sending in an idea uses no code up: every stage's code is still unused.
    assert db_session.scalar(select(VotingCode.id).where(VotingCode.used_at.is_not(None))) is None


def test_a_code_sends_in_at_most_its_limit(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    setup: tuple[Election, Process, list[str]],
) -> None:
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[1])
    for number in (1, 2):
        response = resident.post(
            f"/ideeen/{final.slug}/idee", data={**IDEA, "title": f"Idee {number}"}
        )
        assert response.status_code == 303
    refused = resident.get(f"/ideeen/{final.slug}/idee")
    assert refused.status_code == 409
    assert "Met één brief kunt u 2 ideeën indienen." in refused.get_data(as_text=True)
    again = resident.post(f"/ideeen/{final.slug}/idee", data={**IDEA, "title": "Idee 3"})
    assert again.status_code == 409
    # A new letter does not reset the limit: ideas of the old code count.
    body = register(3)
    reference = body.decode().splitlines()[2].split(";")[0]
    reissued = client.post(
        f"/beheer/trajecten/{_process.id}/brieven/nieuwe-brief",
        data={
            "person_reference": reference,
            "name": "B. Jansen",
            "address": "Dreef 2",
            "postcode": "5612 AB",
            "town": "Eindhoven",
            "print_letter": "1",
        },
    )
    assert reissued.status_code == 200
    (new_code,) = _codes_in_pdf(reissued.get_data())
    renewed = app.test_client()
    _start(renewed, final, new_code)
    assert renewed.get(f"/ideeen/{final.slug}/idee").status_code == 409
    # Another resident's code has its own limit.
    other = app.test_client()
    _start(other, final, codes[2])
    assert other.post(f"/ideeen/{final.slug}/idee", data=IDEA).status_code == 303
    db_session.expire_all()
    assert len(db_session.scalars(select(Option).where(Option.from_resident)).all()) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"total": "3100"},
            # Amounts in the Dutch format, as everywhere else on the page.
            "De kostenregels tellen op tot € 3.000, niet tot het totaal van € 3.100.",
        ),
        ({"kosten-bedrag-2": "zeshonderd"}, "Kostenregel 2: het bedrag moet in hele euro"),
        ({"kosten-post-1": ""}, "Kostenregel 1: schrijf op waar het geld voor is."),
        (
            {
                "kosten-post-1": "",
                "kosten-bedrag-1": "",
                "kosten-post-2": "",
                "kosten-bedrag-2": "",
            },
            "Vul minstens één kostenregel in",
        ),
        ({"theme": "Iets anders"}, "Kies een van de thema"),
    ],
)
def test_bad_ideas_get_a_clear_message_and_keep_what_was_typed(
    app: Flask,
    db_session: Session,
    setup: tuple[Election, Process, list[str]],
    change: dict[str, str],
    message: str,
) -> None:
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[0])
    response = resident.post(f"/ideeen/{final.slug}/idee", data={**IDEA, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'").replace("\xa0", " ")
    assert "Bankjes bij het speelveld" in page  # nothing typed is lost
    assert db_session.scalar(select(Option).where(Option.from_resident)) is None


@pytest.mark.parametrize(
    ("change", "box"),
    [
        ({"kosten-bedrag-2": "250,50"}, "kosten-bedrag-2"),
        ({"kosten-post-1": ""}, "kosten-post-1"),
        ({"total": "3100"}, "total"),
    ],
)
def test_a_problem_is_shown_at_the_box_it_is_about(
    app: Flask, setup: tuple[Election, Process, list[str]], change: dict[str, str], box: str
) -> None:
    # Before, only the summary at the top said "Kostenregel 2: ...", as plain text: an
    # older resident could not find which of the boxes was wrong.
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[0])
    page = resident.post(f"/ideeen/{final.slug}/idee", data={**IDEA, **change}).get_data(
        as_text=True
    )
    start = page.index('class="error-summary"')
    summary = page[start : page.index("</div>", start)]
    assert f'<a href="#{box}">' in summary
    marked = re.search(rf'<input[^>]*id="{box}"[^>]*>', page)
    assert marked is not None and 'aria-invalid="true"' in marked.group(0)
    error_id = "total-error" if box == "total" else "kosten-error"
    assert f'id="{error_id}"' in page and error_id in marked.group(0)


def test_the_error_summary_reads_as_sentences_after_a_question_label(
    app: Flask, setup: tuple[Election, Process, list[str]]
) -> None:
    """A label that ends in a question mark is not followed by a colon in the summary
    ('wat gaat er gebeuren?: ...'); other labels keep 'Label: message'."""
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[0])
    response = resident.post(
        f"/ideeen/{final.slug}/idee", data={**IDEA, "title": "", "summary": ""}
    )
    assert response.status_code == 422
    summary = response.get_data(as_text=True).split('class="error-summary"')[1].split("</ul>")[0]
    assert "?:" not in summary
    assert "gebeuren? " in summary and "Naam van uw idee: " in summary


def test_photos_are_checked(app: Flask, setup: tuple[Election, Process, list[str]]) -> None:
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[0])
    for body, name, message in (
        (b"%PDF-1.4 not a photo", "plan.pdf", "De foto moet een JPEG- of PNG-bestand zijn."),
        (b"GIF89a....", "x.gif", "De foto moet een JPEG- of PNG-bestand zijn."),
        (b"\xff\xd8\xff" + b"\0" * 100, "kapot.jpg", "De foto is niet te lezen."),
    ):
        response = resident.post(
            f"/ideeen/{final.slug}/idee",
            data={**IDEA, "image": (io.BytesIO(body), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


@pytest.mark.app_config(UPLOAD_MAX_BYTES=1000)
def test_a_photo_over_the_size_limit_is_refused(
    app: Flask, setup: tuple[Election, Process, list[str]]
) -> None:
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[0])
    big = Image.new("RGB", (400, 400))
    big.putdata([(i % 256, (i * 7) % 256, (i * 13) % 256) for i in range(400 * 400)])
    out = io.BytesIO()
    big.save(out, "PNG")
    response = resident.post(
        f"/ideeen/{final.slug}/idee",
        data={**IDEA, "image": (io.BytesIO(out.getvalue()), "groot.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "De foto is te groot" in response.get_data(as_text=True)


def test_unknown_or_closed(
    app: Flask, db_session: Session, setup: tuple[Election, Process, list[str]]
) -> None:
    final, _process, codes = setup
    resident = app.test_client()
    wrong = codes[0][:-1] + ("1" if codes[0][-1] != "1" else "2")
    typo = resident.post(f"/ideeen/{final.slug}", data={"code": wrong})
    assert typo.status_code == 422 and "tikfout" in typo.get_data(as_text=True)
    # Without a visit, the form sends the resident to the code page.
    assert resident.get(f"/ideeen/{final.slug}/idee").status_code == 303
    stage = db_session.scalar(select(ProcessStage).where(ProcessStage.election_id == final.id))
    assert stage is not None
    stage.ideas_closes_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    closed = resident.post(f"/ideeen/{final.slug}", data={"code": codes[0]})
    assert closed.status_code == 409
    assert "kunt u nu geen ideeën indienen" in closed.get_data(as_text=True)


def test_clerk_checks_corrects_and_merges_and_residents_see_why(
    app: Flask, client: FlaskClient, db_session: Session, setup: tuple[Election, Process, list[str]]
) -> None:
    final, _process, codes = setup
    resident = app.test_client()
    _start(resident, final, codes[0])
    resident.post(f"/ideeen/{final.slug}/idee", data=IDEA)
    resident.post(f"/ideeen/{final.slug}/idee", data={**IDEA, "title": "Banken speeltuin"})
    db_session.expire_all()
    first = db_session.scalar(select(Option).where(Option.title == IDEA["title"]))
    double = db_session.scalar(select(Option).where(Option.title == "Banken speeltuin"))
    assert first is not None and double is not None
    options_page = client.get(f"/beheer/verkiezing/{final.id}/opties").get_data(as_text=True)
    assert "Idee van een bewoner" in options_page and "Drie bankjes" in options_page
    merge_url = f"/beheer/verkiezing/{final.id}/opties/{double.id}/samenvoegen"
    # Merging cannot be undone: no proposal is chosen beforehand and it needs a tick.
    assert '<option value="">kies een voorstel</option>' in options_page
    for unconfirmed in ({"into": first.id}, {"into": "", "confirm": "y"}):
        refused = client.post(merge_url, data=unconfirmed, follow_redirects=True)
        assert "vink aan dat het niet ongedaan" in refused.get_data(as_text=True)
        db_session.expire_all()
        assert db_session.get(Option, double.id).merged_into_id is None  # type: ignore[union-attr]
    merged = client.post(merge_url, data={"into": first.id, "confirm": "y"})
    assert merged.status_code == 302
    accepted = client.post(
        f"/beheer/verkiezing/{final.id}/opties/{first.id}/beoordelen",
        data={"verdict": "accept", "reason": "Past binnen de regels voor speelplekken."},
    )
    assert accepted.status_code == 302
    edited = client.post(
        f"/beheer/verkiezing/{final.id}/opties/{first.id}/bewerken",
        data={
            "title": first.title,
            "summary": first.summary,
            "description": first.description,
            "cost": "3500",
            "public_note": "Plaatsen kost meer: de grond moet worden verhard.",
        },
    )
    assert edited.status_code in (302, 303), edited.get_data(as_text=True)[:2000]
    detail = client.get(f"/voorstel/{final.slug}/{first.key}").get_data(as_text=True)
    assert "Staat op het stembiljet." in detail
    assert "Past binnen de regels voor speelplekken." in detail
    assert "Kosten op het stembiljet: € 3.500" in detail.replace("\xa0", " ")
    assert "de grond moet worden verhard" in detail
    assert f"{double.key}: Banken speeltuin" in detail  # listed as merged into this one
    dup_page = client.get(f"/voorstel/{final.slug}/{double.key}").get_data(as_text=True)
    assert "Samengevoegd met" in dup_page and f"{first.key}: {first.title}" in dup_page
    assert "Kosten op het stembiljet" not in dup_page  # it is not on the ballot itself
    listing = client.get(f"/voorstellen/{final.slug}").get_data(as_text=True)
    assert f'href="/voorstel/{final.slug}/{first.key}"' in listing
    assert "Ideeën die (nog) niet op het stembiljet staan" in listing
    actions = [e.action for e in db_session.scalars(select(AuditEvent))]
    assert "proposal.merge" in actions and "proposal.review" in actions


def test_ballot_links_each_proposal_to_its_page(
    app: Flask, make_election: MakeElection, db_session: Session
) -> None:
    from tests.voting.vote.support import add_codes, enter_code

    election = make_election(kind="budget", costs=[100, 200])
    election.options[0].theme, election.options[0].location = "Groen", "Edisonstraat"
    db_session.commit()
    (code,) = add_codes(db_session, election, 1)
    resident = app.test_client()
    enter_code(resident, code)
    page = resident.get("/stem/stembiljet").get_data(as_text=True)
    assert f'href="/voorstel/{election.slug}/P01"' in page
    assert "Alles over dit voorstel" in page
    assert "Thema: Groen" in page and "Waar: Edisonstraat" in page


def test_organiser_proposal_has_the_idea_fields(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: MakeElection,
    db_session: Session,
) -> None:
    election = make_election(kind="budget", phase="proposals", costs=[100])
    login("organiser")
    base = {
        "title": "Moestuin",
        "summary": "Een moestuin voor de buurt.",
        "description": "",
        "cost": "1000",
        "theme": "Groen",
        "location": "Gildebuurt",
    }
    mismatch = client.post(
        f"/voorstellen/{election.slug}/indienen",
        data={**base, "kosten-post-1": "Bakken", "kosten-bedrag-1": "900"},
    )
    assert mismatch.status_code == 400
    assert "tellen op tot € 900, niet tot het totaal van € 1.000" in mismatch.get_data(
        as_text=True
    ).replace("\xa0", " ")
    done = client.post(
        f"/voorstellen/{election.slug}/indienen",
        data={
            **base,
            "kosten-post-1": "Bakken",
            "kosten-bedrag-1": "700",
            "kosten-post-2": "Aarde",
            "kosten-bedrag-2": "300",
        },
    )
    assert done.status_code == 302
    db_session.expire_all()
    option = db_session.scalar(select(Option).where(Option.title == "Moestuin"))
    assert option is not None
    assert (option.theme, option.location, option.from_resident) == ("Groen", "Gildebuurt", False)
    assert [line["amount"] for line in option.cost_lines] == [700, 300]


def test_clerk_enters_an_idea_on_paper_with_the_resident_s_code(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    setup: tuple[Election, Process, list[str]],
) -> None:
    final, _process, codes = setup
    url = f"/beheer/verkiezing/{final.id}/idee-op-papier"
    assert "Idee op papier invoeren" in client.get(
        f"/beheer/verkiezing/{final.id}/opties"
    ).get_data(as_text=True)
    wrong = client.post(url, data={**IDEA, "code": "K7QM-3XD9-PA2F-W8RT-6"})
    assert wrong.status_code == 422
    assert "hoort bij geen werkende brief" in wrong.get_data(as_text=True)
    for number in (1, 2):
        done = client.post(url, data={**IDEA, "title": f"Op papier {number}", "code": codes[2]})
        assert done.status_code == 303, done.get_data(as_text=True)[:2000]
    # The letter's limit (2) is reached, on paper as online.
    over = client.post(url, data={**IDEA, "title": "Op papier 3", "code": codes[2]})
    assert over.status_code == 422
    assert "Met deze code zijn al 2 ideeën ingediend" in over.get_data(as_text=True)
    resident = app.test_client()
    _start(resident, final, codes[2])
    assert resident.get(f"/ideeen/{final.slug}/idee").status_code == 409
    db_session.expire_all()
    paper = db_session.scalars(select(Option).where(Option.title.like("Op papier%"))).all()
    assert [(o.from_resident, o.review_status) for o in paper] == [(True, "submitted")] * 2


def test_an_idea_s_themes_are_the_ones_with_a_budget(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: MakeElection,
    db_session: Session,
) -> None:
    """Typed theme budgets decide the themes an organiser's proposal can name."""
    election = make_election(kind="budget", phase="proposals", costs=[100])
    election.theme_budgets = '[["Groen", 20000], ["Verkeer", 30000]]'
    db_session.commit()
    login("organiser")
    page = client.get(f"/voorstellen/{election.slug}/indienen").get_data(as_text=True)
    assert '<option value="Verkeer">Verkeer</option>' in page
    refused = client.post(
        f"/voorstellen/{election.slug}/indienen",
        data={
            "title": "Moestuin",
            "summary": "Bakken.",
            "cost": "1000",
            "theme": "Spelen",
            "location": "Gildebuurt",
        },
    )
    assert refused.status_code == 400
    assert "Kies een van de thema" in refused.get_data(as_text=True)
