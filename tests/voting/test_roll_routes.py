"""The clerk's roll screens: check, import with letters, progress, reissue."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import STAFF_PASSWORD, TEST_PEPPER
from tests.voting.letters_support import ENDINGS, end_download_and_check_connections
from tools.fake_register import register_csv
from voting import codes, roll
from voting.models import AuditEvent, Election, RollEntry, StaffUser, VotingCode

BAD_ROW = "9999999;Piet Bakker;Dorpsstraat 2;0921 AB;Duiven;01-01-1970;Centrum\n"


def _url(election: Election, path: str = "/") -> str:
    return f"/beheer/verkiezing/{election.id}/kiezers{path}"


def _upload(body: str | bytes, **fields: Any) -> dict[str, Any]:
    data = body.encode() if isinstance(body, str) else body
    return {"register": (io.BytesIO(data), "register.csv"), **fields}


def _live(db_session: Session) -> set[str]:
    db_session.expire_all()
    return set(
        db_session.scalars(
            select(VotingCode.code_hash).where(
                VotingCode.revoked_at.is_(None), VotingCode.used_at.is_(None)
            )
        )
    )


def _codes_in_pdf(data: bytes) -> list[str]:
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        words = page.extract_text().split()
        found += [codes.normalise(w) for w in words if len(w) == 21 and codes.problem(w) is None]
    return found


@pytest.fixture
def draft(make_election: Callable[..., Election]) -> Election:
    """A referendum still in draft, everyone eligible (age rules: test_roll_import)."""
    return make_election(phase="draft", min_age=0)


def test_staff_only(client: FlaskClient, draft: Election, login: Callable[..., StaffUser]) -> None:
    assert client.get(_url(draft)).status_code == 302
    login("organiser")
    assert client.get(_url(draft)).status_code == 403
    assert client.post(_url(draft, "/controleren"), data=_upload("x")).status_code == 403


def test_panel_on_the_election_page(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser]
) -> None:
    login("clerk")
    page = client.get(f"/beheer/verkiezing/{draft.id}").get_data(as_text=True)
    assert "Kiezerslijst en brieven" in page
    assert _url(draft) in page


def test_check_reports_bad_rows_and_stores_nothing(
    client: FlaskClient,
    draft: Election,
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    login("clerk")
    body = register_csv(5, seed=2) + BAD_ROW
    response = client.post(_url(draft, "/controleren"), data=_upload(body))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ongeldige postcode" in page and '<td class="num">7</td>' in page
    # Counts in words that agree with the number: one row, one bad.
    assert "6 regels gelezen" in page and "1 regel is fout" in page
    assert "5 bewoners mogen stemmen" in page
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 0
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "roll.check")).one()
    assert event.details["bad"] == {"bad_postcode": 1}
    assert "Bakker" not in event.detail


def test_import_refuses_bad_rows_unless_skipped(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser], db_session: Session
) -> None:
    login("clerk")
    body = register_csv(5, seed=2) + BAD_ROW
    response = client.post(_url(draft, "/importeren"), data=_upload(body, output="pdf"))
    assert response.status_code == 422
    assert "niets geïmporteerd" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 0
    response = client.post(
        _url(draft, "/importeren"), data=_upload(body, output="pdf", skip_bad_rows="y")
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    printed = _codes_in_pdf(response.get_data())
    assert len(printed) == 5
    assert {codes.code_hash(TEST_PEPPER, c) for c in printed} == _live(db_session)


def test_import_zip_with_pdf_and_mail_merge_and_progress(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser], db_session: Session
) -> None:
    login("clerk")
    response = client.post(_url(draft, "/importeren"), data=_upload(register_csv(7, seed=4)))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert archive.namelist() == ["brieven-00001-00007.pdf", "drukkerij.csv"]
        pdf_codes = _codes_in_pdf(archive.read("brieven-00001-00007.pdf"))
        merge = archive.read("drukkerij.csv").decode("utf-8-sig").splitlines()
    assert merge[0].split(";")[:6] == [
        "volgnummer", "naam", "adres", "postcode", "woonplaats", "stemcode"
    ]  # fmt: skip
    csv_codes = [codes.normalise(line.split(";")[5]) for line in merge[1:]]
    assert csv_codes == pdf_codes and len(pdf_codes) == 7
    assert {codes.code_hash(TEST_PEPPER, c) for c in csv_codes} == _live(db_session)
    page = client.get(_url(draft, "/voortgang")).get_data(as_text=True)
    assert "Klaar: 7 brieven gemaakt voor 7 bewoners." in page
    assert 'http-equiv="refresh"' not in page


def test_csv_only(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser], db_session: Session
) -> None:
    login("clerk")
    response = client.post(_url(draft, "/importeren"), data=_upload(register_csv(3), output="csv"))
    assert response.mimetype == "text/csv"
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 4
    assert lines[1].split(";")[6].startswith("http://localhost/stem/qr#")


def test_a_broken_download_shows_as_unfinished_and_can_be_redone(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser], db_session: Session
) -> None:
    login("clerk")
    body = register_csv(30, seed=5)
    response = client.post(
        _url(draft, "/importeren"), data=_upload(body, output="csv"), buffered=False
    )
    chunks = iter(response.response)
    assert next(chunks).startswith(b"\xef\xbb\xbfvolgnummer")
    lost = next(chunks)  # the first batch: committed, then sent...
    assert len(lost.splitlines()) == 30
    response.close()  # ...but the browser went away before the end
    page = client.get(_url(draft, "/voortgang")).get_data(as_text=True)
    assert "Bezig: 30 van 30 brieven gemaakt." in page
    assert 'http-equiv="refresh"' in page
    response = client.post(
        _url(draft, "/importeren"), data=_upload(body, output="csv", reissue_unused="y")
    )
    assert len(response.get_data().splitlines()) == 31
    assert len(_live(db_session)) == 30
    lost_codes = {codes.normalise(line.split(b";")[5].decode()) for line in lost.splitlines()}
    assert not {codes.code_hash(TEST_PEPPER, c) for c in lost_codes} & _live(db_session)
    page = client.get(_url(draft, "/voortgang")).get_data(as_text=True)
    assert "Klaar" in page


def test_import_refused_once_voting_started(
    client: FlaskClient,
    make_election: Callable[..., Election],
    login: Callable[..., StaffUser],
) -> None:
    login("clerk")
    election = make_election(phase="voting")
    page = client.get(_url(election)).get_data(as_text=True)
    assert "de kiezerslijst ligt vast" in page
    response = client.post(_url(election, "/importeren"), data=_upload(register_csv(2)))
    assert response.status_code == 409
    assert "ligt vast" in response.get_data(as_text=True)


@pytest.mark.app_config(ROLL_MAX_UPLOAD=2000)
def test_too_large_upload_gets_a_dutch_message(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser]
) -> None:
    login("clerk")
    response = client.post(_url(draft, "/controleren"), data=_upload(register_csv(100)))
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)


def test_upload_stays_in_memory(
    app: Flask,
    client: FlaskClient,
    draft: Election,
    login: Callable[..., StaffUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A register over Werkzeug's 500 KB spooling limit never touches a temp file."""
    import werkzeug.formparser

    def no_disk(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the register went to a temporary file")

    # Werkzeug's default: SpooledTemporaryFile, which rolls over to disk at 500 KB.
    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", no_disk)
    login("clerk")
    body = register_csv(9000)
    assert len(body) > 600_000
    # Encoded here: the test client itself would spool a body this size to a file.
    upload = FileStorage(io.BytesIO(body.encode()), filename="register.csv")
    boundary, payload = encode_multipart({"register": upload})
    response = client.post(
        _url(draft, "/controleren"),
        data=payload,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    assert "9000 bewoners mogen stemmen" in response.get_data(as_text=True)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_upload_needs_the_csrf_token(
    client: FlaskClient,
    draft: Election,
    make_staff: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, page
        return match.group(1)

    user = make_staff("clerk")
    login = {"username": user.username, "password": STAFF_PASSWORD}
    response = client.post(
        "/beheer/inloggen", data={**login, "csrf_token": token("/beheer/inloggen")}
    )
    assert response.status_code == 302
    response = client.post(_url(draft, "/importeren"), data=_upload(register_csv(2)))
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 0
    data = _upload(register_csv(2), output="csv", csrf_token=token(_url(draft)))
    response = client.post(_url(draft, "/importeren"), data=data)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(response.get_data().splitlines()) == 3
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 2


def test_reissue_lookup_print_and_refusals(
    client: FlaskClient,
    make_election: Callable[..., Election],
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    login("clerk")
    election = make_election(phase="draft", min_age=0)
    body = register_csv(3, seed=8)
    response = client.post(_url(election, "/importeren"), data=_upload(body, output="csv"))
    first = response.get_data().decode("utf-8-sig").splitlines()[1].split(";")
    old_code = codes.normalise(first[5])
    reference = body.splitlines()[1].split(";")[0]
    election.phase = "voting"
    db_session.commit()
    form = {"person_reference": reference, "lookup": "Opzoeken"}
    page = client.post(_url(election, "/nieuwe-brief"), data=form).get_data(as_text=True)
    assert "Werkende codes: 1" in page
    form = {
        "person_reference": reference,
        "name": "Anna de Vries",
        "address": "Dorpsstraat 1",
        "postcode": "6921ab",
        "town": "Duiven",
        "print_letter": "y",
    }
    response = client.post(_url(election, "/nieuwe-brief"), data=form)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [new_code] = _codes_in_pdf(response.get_data())
    text = PdfReader(io.BytesIO(response.get_data())).pages[0].extract_text()
    assert "Anna de Vries" in text and "6921 AB  DUIVEN" in text
    live = _live(db_session)
    assert codes.code_hash(TEST_PEPPER, new_code) in live
    assert codes.code_hash(TEST_PEPPER, old_code) not in live
    # Unknown person, missing address, then a used code.
    response = client.post(
        _url(election, "/nieuwe-brief"), data={**form, "person_reference": "nobody"}
    )
    assert response.status_code == 404
    response = client.post(_url(election, "/nieuwe-brief"), data={**form, "town": ""})
    assert response.status_code == 400 and "woonplaats" in response.get_data(as_text=True)
    code = db_session.scalar(
        select(VotingCode).where(VotingCode.code_hash == codes.code_hash(TEST_PEPPER, new_code))
    )
    assert code is not None
    from voting.models import utcnow

    code.used_at = utcnow()
    db_session.commit()
    response = client.post(_url(election, "/nieuwe-brief"), data=form)
    assert response.status_code == 409
    assert "al gestemd" in response.get_data(as_text=True)
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert actions.count("roll.reissue") == 1 and actions.count("roll.lookup") == 1


def test_nothing_identifying_reaches_the_database_through_the_web(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser], db_session: Session
) -> None:
    login("clerk")
    body = register_csv(20, seed=11) + BAD_ROW
    client.post(_url(draft, "/controleren"), data=_upload(body))
    response = client.post(_url(draft, "/importeren"), data=_upload(body, skip_bad_rows="y"))
    assert response.status_code == 200
    response.get_data()
    identifying = set()
    for line in body.splitlines()[1:]:
        reference, name, address, postcode, _town, birth, _quarter = line.split(";")
        identifying |= {reference, name, address, postcode, postcode.replace(" ", ""), birth}
    engine = db_session.get_bind()
    stored = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                stored.append(" ".join(str(value) for value in row))
    everything = "\n".join(stored)
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 20
    assert sorted(s for s in identifying if s in everything) == []


def test_progress_json_follows_the_latest_run(
    client: FlaskClient, draft: Election, login: Callable[..., StaffUser]
) -> None:
    login("clerk")
    assert client.get(_url(draft, "/voortgang.json")).get_json() == {"id": None}
    page = client.get(_url(draft)).get_data(as_text=True)
    assert 'id="import-progress"' in page and "roll.js" in page
    client.post(_url(draft, "/importeren"), data=_upload(register_csv(4), output="csv")).get_data()
    run = client.get(_url(draft, "/voortgang.json")).get_json()
    assert run["total"] == 4 and run["done"] == 4 and run["finished"] is True
    assert f'data-last-run="{run["id"]}"' in client.get(_url(draft)).get_data(as_text=True)
    with client.get("/static/roll.js") as script:
        assert script.status_code == 200 and b"import-progress" in script.data


@pytest.mark.parametrize("ending", ENDINGS)
def test_letters_download_gives_its_database_connection_back(
    app: Flask,
    client: FlaskClient,
    draft: Election,
    login: Callable[..., StaffUser],
    monkeypatch: pytest.MonkeyPatch,
    ending: str,
) -> None:
    # The import runs while the answer streams, after the request has ended; a batch
    # that failed there once kept its connection in an open transaction (with the
    # locks of the rows it wrote) until the garbage collector ran.
    login("clerk")
    end_download_and_check_connections(
        app,
        monkeypatch,
        roll,
        lambda: client.post(
            _url(draft, "/importeren"), data=_upload(register_csv(3), output="csv"), buffered=False
        ),
        ending,
        letters=3,
    )
