"""A panel end to end through the clerk's and residents' pages (test client): set-up,
invitations, sign-ups online and on paper, feasibility, the draw, the signed record,
a replacement, the advice, the referendum, and the retention purge."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ballots.panels.record import check_record
from ballots.panels.sampling import Candidate, invitation_sample
from tests.voting.panels.support import DATES, codes_from_zip, panel_form, register_bytes
from tests.voting.tally_helpers import make_key
from voting import codes
from voting.models import AuditEvent, Election, Panel, PanelInvitation, PanelSignup

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.app_config(PANEL_JOBS_INLINE=True)


def answers(rng: random.Random) -> dict[str, object]:
    return {
        "q0": rng.choice(["jong", "midden", "oud"]),
        "q1": rng.choice(["Centrum", "Horst", "Droesem", "Eltingerhof"]),
        "available": DATES,
        "consent": "y",
    }


def test_a_panel_from_invitations_to_referendum(app, client, login, db_session, tmp_path) -> None:
    login("clerk")
    make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    # The seed of the draw: numbers a notary drew in public, announced in the draft.
    response = client.post(
        "/beheer/burgerberaad/nieuw", data=panel_form(draw_seed="notaris 17 42 8")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    panel = db_session.scalar(select(Panel))
    base = f"/beheer/burgerberaad/{panel.id}"
    assert client.post(f"{base}/fase", data={"confirm": "y"}).status_code == 302

    # Stage 1: the sample, the letters; no name or address stored anywhere.
    register = register_bytes(200)
    response = client.post(
        f"{base}/uitnodigingen", data={"register": (__import__("io").BytesIO(register), "brp.csv")}
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    rows = codes_from_zip(response.data)
    assert len(rows) == 60
    db_session.expire_all()
    panel = db_session.get(Panel, panel.id)
    sample = json.loads(panel.sample_json)
    redone = invitation_sample(
        [Candidate(k, h) for k, h in sample["eligible"]],
        60,
        panel.invitation_seed,
        one_per_household=True,
    )
    assert redone == sample["invited"]
    households = [i.household_key for i in db_session.scalars(select(PanelInvitation))]
    assert len(set(households)) == len(households) == 60  # one per household
    assert client.post(f"{base}/fase", data={"confirm": "y"}).status_code == 302

    # Stage 2: 30 sign up online, 6 on paper; a used code is refused.
    rng = random.Random(5)
    for row in rows[:30]:
        data = answers(rng) | {
            "code": row["aanmeldcode"],
            "phone": "06-12345678",
            "email": "a@b.nl",
        }
        response = client.post("/burgerberaad/afval/aanmelden", data=data)
        assert response.status_code == 200 and "aangemeld" in response.get_data(as_text=True)
    again = client.post(
        "/burgerberaad/afval/aanmelden", data=answers(rng) | {"code": rows[0]["aanmeldcode"]}
    )
    assert again.status_code == 400 and "al iemand aangemeld" in again.get_data(as_text=True)
    for row in rows[30:36]:
        response = client.post(
            f"{base}/papier", data=answers(rng) | {"code": row["aanmeldcode"].lower()}
        )
        assert response.status_code == 302
    assert len(db_session.scalars(select(PanelSignup)).all()) == 36

    # Feasibility, then the draw.
    assert client.post(f"{base}/fase", data={"confirm": "y"}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Alle quota zijn haalbaar" in page
    assert client.post(f"{base}/berekenen", data={"confirm": "y"}).status_code == 302
    # Only the seed that was public before the invitations: another is refused.
    other = client.post(f"{base}/loten", data={"confirm": "y", "seed": "12345"})
    assert other.status_code == 409
    db_session.expire_all()
    assert db_session.get(Panel, panel.id).record_json is None
    assert db_session.get(Panel, panel.id).draw_seed == "notaris 17 42 8"
    response = client.post(f"{base}/loten", data={"confirm": "y", "seed": "notaris 17 42 8"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    panel = db_session.get(Panel, panel.id)
    record = json.loads(panel.record_json)
    assert check_record(record) == []
    assert len(record["draw"]["selected"]) == 8

    # A drop-out is replaced within the quotas; the record is signed again.
    member = record["draw"]["selected"][0]
    assert client.post(f"{base}/afmelden/{member}", data={"confirm": "y"}).status_code == 302
    db_session.expire_all()
    record = json.loads(db_session.get(Panel, panel.id).record_json)
    assert record["replacements"][0]["dropped"] == member
    assert check_record(record) == []
    # The clerk's list says each seat's state in words, not the stored code.
    listing = client.get(base).get_data(as_text=True)
    assert "<td>geloot</td>" in listing and f"<td>{member}</td><td>doet niet mee</td>" in listing
    # Whether anyone keeps the quotas in the seat depends on who dropped out (the
    # pseudonyms, and so the first seat, are random): either way the list says so.
    replacement = record["replacements"][0]["replacement"]
    if replacement:
        assert f"<td>{replacement}</td><td>opvolger</td>" in listing
    else:
        assert "<td>opvolger</td>" not in listing
    assert "<td>selected</td>" not in listing and "<td>dropped</td>" not in listing
    path = tmp_path / "verslag.json"
    path.write_text(client.get("/burgerberaad/afval/verslag.json").get_data(as_text=True))
    verify = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "verify_panel.py"), str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # Contact details: sealed in the table, shown to a clerk, logged.
    sealed = db_session.scalar(select(PanelSignup).where(PanelSignup.phone_sealed.is_not(None)))
    assert b"06-12345678" not in sealed.phone_sealed
    shown = client.post(f"{base}/contact/{sealed.pseudonym}", data={"confirm": "y"})
    assert "06-12345678" in shown.get_data(as_text=True)
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "panel.contact_read"))

    # Seated, advice, and a referendum made from it; the pages link both ways.
    assert client.post(f"{base}/fase", data={"confirm": "y"}).status_code == 302
    advice = {"recommendations": "Afval vaker ophalen\nMeer containers\nStatiegeld"}
    assert client.post(f"{base}/advies", data=advice).status_code == 302
    assert client.post(f"{base}/referendum", data={"confirm": "y"}).status_code == 302
    election = db_session.scalar(select(Election))
    assert [o.title for o in election.options] == [
        "Afval vaker ophalen",
        "Meer containers",
        "Statiegeld",
    ]
    public = client.get("/burgerberaad/afval").get_data(as_text=True)
    assert "Afval vaker ophalen" in public and "<svg" in public

    # Finished: after the retention period (here 0 days) the retention command deletes
    # sign-ups, contacts and invitations.
    assert client.post(f"{base}/fase", data={"confirm": "y"}).status_code == 302
    result = app.test_cli_runner().invoke(args=["retention", "--apply", "--days", "0"])
    assert "panel afval: deleted" in result.output, result.output
    db_session.expire_all()
    assert db_session.scalars(select(PanelSignup)).all() == []
    assert db_session.scalars(select(PanelInvitation)).all() == []
    assert check_record(json.loads(db_session.get(Panel, panel.id).record_json)) == []

    # No name or address in any table, the record or the audit log.
    names = [line.split(";")[1] for line in register.decode().splitlines()[1:]]
    dump = "\n".join(
        str(row) for table in ("panels", "panel_invitations", "panel_signups", "audit_events")
        for row in db_session.execute(__import__("sqlalchemy").text(f"SELECT * FROM {table}"))
    )  # fmt: skip
    addresses = [line.split(";")[2] for line in register.decode().splitlines()[1:]]
    assert not any(n in dump for n in names)
    assert not any(a in dump for a in addresses)
    assert "06-12345678" not in dump and "a@b.nl" not in dump


def test_signup_problems_come_in_one_list_that_links_to_each_question(
    client, login, db_session
) -> None:
    login("clerk")
    assert client.post("/beheer/burgerberaad/nieuw", data=panel_form()).status_code == 302
    base = f"/beheer/burgerberaad/{db_session.scalar(select(Panel)).id}"
    assert client.post(f"{base}/fase", data={"confirm": "y"}).status_code == 302
    sent = client.post(
        f"{base}/uitnodigingen",
        data={"register": (__import__("io").BytesIO(register_bytes(200)), "brp.csv")},
    )
    rows = codes_from_zip(sent.data)
    assert client.post(f"{base}/fase", data={"confirm": "y"}).status_code == 302
    # A code the panel never sent, no consent, one question unanswered: all three at once.
    wrong = codes.formatted(codes.generate())
    assert wrong not in {r["aanmeldcode"] for r in rows}
    response = client.post(
        "/burgerberaad/afval/aanmelden", data={"code": wrong, "q0": "jong", "available": DATES}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[page.index('class="error-summary"') : page.index("</ul>")]
    assert "Deze code kennen we niet voor dit burgerberaad." in summary
    assert "Zonder uw toestemming" in summary and "Kies een antwoord." in summary
    # Each link in the list points at an element on the page (a question's first box).
    targets = re.findall(r'<a href="#([^"]+)">', summary)
    assert "q1-0" in targets
    for target in targets:
        assert f'id="{target}"' in page, target
    # The meeting dates are a group with a legend, not a label for a list.
    assert '<label for="available">' not in page
    assert "<legend>Op welke data kunt u?</legend>" in page
