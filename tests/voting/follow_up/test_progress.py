"""Implementation tracking: the clerk's progress and milestone forms (with uploads
checked, cleaned of metadata and served safely) and the all-or-nothing CSV import."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.follow_up import tracking
from voting.models import Attachment, AuditEvent, Election, Milestone, ProjectUpdate

PROGRESS = {
    "updated_on": "2026-11-25",
    "status": "in_progress",
    "progress_percent": "40",
    "spent": "12.500,50",
    "granted": "30000",
    "reason": "",
}


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x8825] = {2: (52.0, 5.0, 1.0), 4: (5.0, 10.0, 1.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_clerk_records_progress_shown_with_money_in_cents(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify(kind="budget")
    login("clerk")
    base = f"/beheer/opvolging/{election.id}/project/P01"
    assert client.get(base).status_code == 200
    assert client.post(base + "/voortgang", data=PROGRESS).status_code == 303
    row = db_session.scalars(select(ProjectUpdate)).one()
    assert (row.status, row.progress_percent, row.spent_cents, row.granted_cents) == (
        "in_progress",
        40,
        1_250_050,
        3_000_000,
    )
    html = client.get(f"/volgen/{election.slug}/project/P01").get_data(as_text=True)
    assert "wordt uitgevoerd" in html and "40% klaar" in html
    assert "12.500,50" in html and "30.000" in html
    english = client.get(f"/volgen/{election.slug}/project/P01?lang=en").get_data(as_text=True)
    assert "in progress" in english and "12,500.50" in english and "40% done" in english
    assert "follow_up.progress" in db_session.scalars(select(AuditEvent.action)).all()


def test_the_next_progress_form_starts_from_the_amounts_in_the_clerks_language(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    """The form for the next update starts with the last amounts, written so that
    sending it back unchanged keeps them, in Dutch and in English."""
    election = certify(kind="budget")
    login("clerk")
    base = f"/beheer/opvolging/{election.id}/project/P01"
    assert client.post(base + "/voortgang", data=PROGRESS).status_code == 303
    dutch = client.get(base).get_data(as_text=True)
    assert 'value="12500,50"' in dutch and 'value="30000"' in dutch
    english = client.get(base + "?lang=en").get_data(as_text=True)
    assert 'value="12500.50"' in english
    again = {**PROGRESS, "updated_on": "2026-11-26", "spent": "12500.50"}
    assert client.post(base + "/voortgang", data=again).status_code == 303
    rows = db_session.scalars(select(ProjectUpdate).order_by(ProjectUpdate.id)).all()
    assert [r.spent_cents for r in rows] == [1_250_050, 1_250_050]


BAD_PROGRESS = [
    ({"status": "stopped", "reason": ""}, "waarom het project gestopt is"),
    ({"progress_percent": "101"}, "0 tot en met 100"),
    ({"progress_percent": "-1"}, "0 tot en met 100"),
    ({"progress_percent": "veel"}, "0 tot en met 100"),
    ({"spent": "-5"}, "bedrag in euro"),
    ({"spent": "12,345"}, "bedrag in euro"),
    ({"granted": "abc"}, "bedrag in euro"),
    ({"status": "forgotten"}, "Status"),
]


def test_bad_progress_is_refused_with_a_message(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify(kind="budget")
    login("clerk")
    url = f"/beheer/opvolging/{election.id}/project/P01/voortgang"
    for change, message in BAD_PROGRESS:
        response = client.post(url, data=PROGRESS | change)
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    # A project the result did not choose has no page and takes no updates.
    assert client.post(url.replace("P01", "P02"), data=PROGRESS).status_code == 404
    assert db_session.scalars(select(ProjectUpdate)).all() == []
    stopped = PROGRESS | {"status": "stopped", "reason": "De grond bleek vervuild."}
    assert client.post(url, data=stopped).status_code == 303
    html = client.get(f"/volgen/{election.slug}/project/P01").get_data(as_text=True)
    assert "gestopt" in html and "De grond bleek vervuild." in html


def test_milestone_photo_loses_its_metadata_and_is_served_safely(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify(kind="budget")
    login("clerk")
    url = f"/beheer/opvolging/{election.id}/project/P01/stap"
    photo = _photo_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif()  # the original carries EXIF
    data = {
        "happened_on": "2026-11-26",
        "text": "De eerste paal is geslagen.",
        "attachment_alt": "Kinderen bij de nieuwe schommel",
        "upload": (io.BytesIO(photo), "../../etc/Foto van mij.JPG"),
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    stored = db_session.scalars(select(Attachment)).one()
    assert stored.content_type == "image/jpeg"
    assert stored.filename == "Foto-van-mij.jpg"
    cleaned = Image.open(io.BytesIO(stored.data))
    assert not cleaned.getexif() and "exif" not in cleaned.info
    assert b"CameraMaker" not in stored.data

    page = client.get(f"/volgen/{election.slug}/project/P01").get_data(as_text=True)
    assert "De eerste paal is geslagen." in page
    assert 'alt="Kinderen bij de nieuwe schommel"' in page
    served = client.get(f"/volgen/bijlage/{stored.id}")
    assert served.mimetype == "image/jpeg"
    assert served.headers["Content-Disposition"] == 'inline; filename="Foto-van-mij.jpg"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data = {
        "happened_on": "2026-11-27",
        "text": "Het ontwerp.",
        "upload": (io.BytesIO(pdf), "ontwerp.pdf"),
    }
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 303
    document = db_session.scalars(
        select(Attachment).where(Attachment.content_type == "application/pdf")
    ).one()
    served = client.get(f"/volgen/bijlage/{document.id}")
    assert served.headers["Content-Disposition"] == 'attachment; filename="ontwerp.pdf"'
    assert client.get("/volgen/bijlage/" + "0" * 32).status_code == 404


@pytest.mark.app_config(UPLOAD_MAX_BYTES=2000)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify(kind="budget")
    login("clerk")
    url = f"/beheer/opvolging/{election.id}/project/P01/stap"
    html_file = b"<html><script>alert(1)</script></html>"
    fake_png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    cases = [
        ((html_file, "foto.jpg"), "Alleen foto's", 400),
        ((fake_png, "foto.png"), "kan niet worden gelezen", 400),
        ((b"", "leeg.pdf"), "Het bestand is leeg", 400),
        ((b"%PDF-" + b"x" * 5000, "groot.pdf"), "te groot", 400),
        ((_photo_with_gps(), "zonder-uitleg.jpg"), "wat er op de foto staat", 400),
    ]
    for (content, name), message, status in cases:
        data = {"happened_on": "2026-11-26", "text": "Stap", "upload": (io.BytesIO(content), name)}
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == status, name
        if message:
            assert message in response.get_data(as_text=True).replace("&#39;", "'"), name
    assert db_session.scalars(select(Attachment)).all() == []
    assert db_session.scalars(select(Milestone)).all() == []


CSV_OK = (
    "project;status;voortgang;uitgegeven;toegekend;reden;datum\n"
    "P01;in uitvoering;50;10.000,00;30.000;;2026-11-20\n"
    "p03;gestopt;10;250,50;;Geen vergunning gekregen;20-11-2026\n"
)


def test_csv_import_updates_every_project_at_once(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify(kind="budget")
    login("clerk")
    response = client.post(
        f"/beheer/opvolging/{election.id}/import",
        data={"upload": (io.BytesIO(("\ufeff" + CSV_OK).encode()), "stand.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    states = {p.key: p for p in tracking.projects(db_session, election)}
    assert (states["P01"].status, states["P01"].progress_percent) == ("in_progress", 50)
    assert states["P01"].spent_cents == 1_000_000
    assert states["P03"].status == "stopped" and states["P03"].spent_cents == 25_050
    assert states["P03"].granted_cents == 900_000  # unchanged: the proposal's cost


def test_csv_with_errors_stores_nothing_and_names_every_bad_line(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify(kind="budget")
    login("clerk")
    bad = (
        "project,status,progress,spent,granted,reason,date\n"
        "P01,done,100,30000,,,\n"
        "P02,done,100,1,,,\n"
        "P03,stopped,20,5,,,\n"
        "P01,klaar,120,twee,,,2099-01-01\n"
    )
    response = client.post(
        f"/beheer/opvolging/{election.id}/import",
        data={"upload": (io.BytesIO(bad.encode("cp1252")), "stand.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert "regel 3: onbekend project 'P02'" in html
    assert "regel 4: gestopt zonder reden" in html
    assert "regel 5: project P01 staat er twee keer in" in html
    assert "regel 5: voortgang '120'" in html
    assert "regel 5: uitgegeven bedrag 'twee'" in html
    assert "regel 5: datum '2099-01-01' ligt in de toekomst" in html
    assert "regel 2" not in html
    assert db_session.scalars(select(ProjectUpdate)).all() == []
    missing = client.post(
        f"/beheer/opvolging/{election.id}/import",
        data={"upload": (io.BytesIO(b"project;status\nP01;klaar\n"), "stand.csv")},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400
    assert "kolommen ontbreken: progress, spent" in missing.get_data(as_text=True)


def test_the_csv_takes_every_status_word_the_form_shows(app: Flask) -> None:
    # The form offers "wordt uitgevoerd"; the CSV refused it ("onbekende status").
    from voting.follow_up.labels import STATUS_LABELS, STATUS_WORDS

    for language in ("nl", "en"):
        with app.test_request_context(f"/?lang={language}"):
            for code, words in STATUS_LABELS.items():
                assert STATUS_WORDS[str(words).lower()] == code, (language, words)
