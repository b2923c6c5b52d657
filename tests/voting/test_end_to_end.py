"""The whole end of an election, as people do it: the demo, residents voting through
the web app, the clerk closing, counting and certifying, the public downloading the
record, and ``tools/recount.py`` and ``tools/verify.py`` checking it in clean
processes. Then three forgeries, each of which verification must catch."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.record import write_record
from voting import signing
from voting.cli.demo_data import DUIVEN_SLUG, WOENSEL_PROPOSALS, WOENSEL_SLUG
from voting.models import Election

REPO = Path(__file__).resolve().parents[2]
DUIVEN_VOTERS = 66  # of 200: 33%, above the 30% threshold
WOENSEL_VOTERS = 14


def _demo_codes(app: Flask) -> tuple[tuple[str, str], dict[str, list[str]]]:
    """The clerk's login and the codes per election title from instance/demo-codes.txt."""
    text = (Path(app.instance_path) / "demo-codes.txt").read_text(encoding="utf-8")
    clerk = re.search(r"^clerk: (\S+) / (\S+)$", text, re.M)
    assert clerk is not None
    codes: dict[str, list[str]] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].split("  (")[0]
            codes[title] = []
        elif line.startswith("DEMO-") and title:
            codes[title].append(line.split()[1])
    return (clerk.group(1), clerk.group(2)), codes


def _vote(app: Flask, code: str, form: dict[str, str | list[str]]) -> str:
    """One resident in their own browser: code, ballot, review, confirm; the receipt."""
    browser = app.test_client()
    response = browser.post("/stem", data={"code": code})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    response = browser.post("/stem/stembiljet", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert browser.get("/stem/controle").status_code == 200
    response = browser.post("/stem/controle", data={"election": form["election"]})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = browser.get("/stem/bewijs").get_data(as_text=True)
    receipt = re.search(r'id="bewijscode">\s*([^<\s]+)\s*<', page)
    assert receipt, page[:3000]
    return receipt.group(1)


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A tool in a clean process: no PYTHONPATH, no app settings, another folder."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        timeout=120,
        check=False,
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_demo_election_from_votes_to_verified_record(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    db_session: Session,
    tmp_path: Path,
) -> None:
    # The key first: a demo that certifies an example election signs with it too.
    keys = runner.invoke(args=["keys", "generate"])
    assert keys.exit_code == 0, keys.output
    demo = runner.invoke(args=["demo", "--no-serve"])
    assert demo.exit_code == 0, demo.output
    (clerk, password), codes = _demo_codes(app)
    duiven = db_session.scalar(select(Election).where(Election.slug == DUIVEN_SLUG))
    woensel = db_session.scalar(select(Election).where(Election.slug == WOENSEL_SLUG))
    assert duiven is not None and woensel is not None

    # Residents vote through the web app.
    rng = random.Random(2008)
    receipts: dict[str, list[str]] = {}
    plans = ["A", "B", "C"]
    for code in codes[duiven.title][:DUIVEN_VOTERS]:
        order = rng.sample(plans, rng.choice([1, 2, 3]))
        form: dict[str, str | list[str]] = {"election": str(duiven.id)}
        for rank, key in enumerate(order, start=1):
            form[f"rank-{key}"] = str(rank)
        receipts.setdefault(DUIVEN_SLUG, []).append(_vote(app, code, form))
    costs = {f"P{i:02d}": cost for i, (_t, _s, cost) in enumerate(WOENSEL_PROPOSALS, start=1)}
    for code in codes[woensel.title][:WOENSEL_VOTERS]:
        chosen, total = [], 0
        for key in rng.sample(sorted(costs), 6):
            if total + costs[key] <= 50_000:
                chosen.append(key)
                total += costs[key]
        form = {"election": str(woensel.id), "choice": chosen}
        receipts.setdefault(WOENSEL_SLUG, []).append(_vote(app, code, form))

    # The clerk closes, counts, reviews and certifies through the clerk's screens.
    login = client.post("/beheer/inloggen", data={"username": clerk, "password": password})
    assert login.status_code == 302
    for election in (duiven, woensel):
        page = client.get(f"/beheer/verkiezing/{election.id}").get_data(as_text=True)
        assert "Tellen en vaststellen" not in page  # no panel while voting
        closed = client.post(
            f"/beheer/verkiezing/{election.id}/fase",
            data={"confirm": "ja", "confirm_early": "ja", "to": "closed"},
        )
        assert closed.status_code == 302
        page = client.get(f"/beheer/verkiezing/{election.id}").get_data(as_text=True)
        assert "Stembus openen" in page and "Stemmen tellen" not in page
        # Two of the three key holders (the demo keeps their shares in instance/).
        shares = sorted((Path(app.instance_path) / "demo-box-shares").glob(f"{election.slug}-*"))
        assert len(shares) == 3
        opened = client.post(
            f"/beheer/stembus/{election.id}/openen",
            data={"share": [p.read_text(encoding="utf-8") for p in shares[1:]]},
        )
        assert opened.status_code == 302
        page = client.get(f"/beheer/verkiezing/{election.id}").get_data(as_text=True)
        assert "De stembus is geopend" in page and "Stemmen tellen" in page
        counted = client.post(f"/beheer/telling/{election.id}/tellen")
        assert counted.headers["Location"].endswith(f"/beheer/telling/{election.id}")
        review = client.get(f"/beheer/telling/{election.id}").get_data(as_text=True)
        assert "Nog niet vastgesteld" in review
        # Not public yet: the result page says it comes later, the record is not there.
        early = client.get(f"/uitslag/{election.slug}").get_data(as_text=True)
        assert "De uitslag is er nog niet" in early and "Ronde 1" not in early
        assert client.get(f"/uitslag/{election.slug}/record.json").status_code == 404
        refused = client.post(f"/beheer/telling/{election.id}/vaststellen", data={})
        assert refused.status_code == 302
        certified = client.post(f"/beheer/telling/{election.id}/vaststellen", data={"confirm": "y"})
        assert certified.headers["Location"].endswith(f"/uitslag/{election.slug}")

    # The public downloads the record and the key, and checks them in clean processes.
    public = app.test_client()
    pem = public.get("/uitslag/sleutel.pem")
    assert pem.status_code == 200
    key_file = tmp_path / "public.pem"
    key_file.write_bytes(pem.data)
    work = tmp_path / "resident"
    work.mkdir()
    for slug in (DUIVEN_SLUG, WOENSEL_SLUG):
        page = _text(public.get(f"/uitslag/{slug}").get_data(as_text=True))
        download = public.get(f"/uitslag/{slug}/record.json")
        assert download.status_code == 200
        record_file = work / f"{slug}.json"
        record_file.write_bytes(download.data)
        record = json.loads(download.data)
        # The receipts are listed apart from the ballots, which carry none.
        assert record["receipts"] == sorted(receipts[slug])
        assert all(set(b) == {"choices", "sha256"} for b in record["ballots"])
        assert record["counts"]["cast"] == record["counts"]["online"] == len(receipts[slug])

        recount = _run(REPO / "tools" / "recount.py", record_file, "--json", cwd=work)
        assert recount.returncode == 0, recount.stderr
        summary = json.loads(recount.stdout)
        assert summary["winners"] == record["result"]["winners"]
        assert summary["rounds"] == record["result"]["rounds"]
        names = {o["id"]: o["name"] for o in record["election"]["options"]}
        for winner in summary["winners"]:
            assert names[winner] in page
        percent = Fraction(100 * len(receipts[slug]), 200)
        assert f"{len(receipts[slug])} van de 200 kiezers stemden" in page
        if slug == DUIVEN_SLUG:
            assert percent >= 30
            assert "De uitslag is geldig en bindend." in page

        verify = _run(
            REPO / "tools" / "verify.py", record_file, "--key", key_file, "--cross-check", cwd=work
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "All checks passed" in verify.stdout
        # The independent implementations (pyrankvote, pabutools) agree, or say why not.
        assert re.search(r"\[\s*(ok|skip)\] cross-check", verify.stdout), verify.stdout
        assert signing.fingerprint(signing.load_public_key(pem.data)) in page

        # A resident finds their ballot with their receipt.
        mine = receipts[slug][0]
        found = public.post(f"/uitslag/{slug}/bon", data={"receipt": mine.lower()})
        assert found.status_code == 200
        assert "Uw stem is meegeteld" in found.get_data(as_text=True)

        for download_path in ("uitslag.csv", "proces-verbaal.pdf"):
            assert public.get(f"/uitslag/{slug}/{download_path}").status_code == 200
        ext = "blt" if slug == DUIVEN_SLUG else "pb"
        ballots = public.get(f"/uitslag/{slug}/stembiljetten.{ext}")
        ballots_file = work / f"{slug}.{ext}"
        ballots_file.write_bytes(ballots.data)
        method = [
            "--method",
            record["result"]["method"],
            "--seed",
            record["election"]["tie_break_seed"],
        ]
        again = _run(REPO / "tools" / "recount.py", ballots_file, "--json", *method, cwd=work)
        assert again.returncode == 0, again.stderr
        winners = json.loads(again.stdout)["winners"]
        if ext == "pb":
            assert winners == record["result"]["winners"]
        else:
            # BLT numbers candidates and names them; the record uses option keys.
            assert winners == [names[w] for w in record["result"]["winners"]]

    # Certified means final: counting or certifying again is refused.
    before = db_session.scalar(select(Election.record_json).where(Election.id == duiven.id))
    again_count = client.post(f"/beheer/telling/{duiven.id}/tellen", follow_redirects=True)
    assert "al geteld" in again_count.get_data(as_text=True)
    client.post(f"/beheer/telling/{duiven.id}/vaststellen", data={"confirm": "y"})
    db_session.expire_all()
    assert db_session.scalar(select(Election.record_json).where(Election.id == duiven.id)) == before

    # Forgeries: each must fail verification with a clear message.
    original = (work / f"{DUIVEN_SLUG}.json").read_text(encoding="utf-8")
    record = json.loads(original)

    lines = original.splitlines(keepends=True)
    # A ballot for plan A only becomes one for plan B only: one byte, still valid JSON.
    target = next(i for i, line in enumerate(lines) if '"choices": ["A"]' in line)
    changed = lines.copy()
    changed[target] = changed[target].replace('"choices": ["A"]', '"choices": ["B"]', 1)
    assert sum(a != b for a, b in zip("".join(changed), original, strict=True)) == 1
    _expect_failure(
        work,
        "one-byte.json",
        "".join(changed),
        key_file,
        ["ballot hash mismatch", "signature does not match"],
    )

    removed = dict(record, ballots=record["ballots"][1:])
    _expect_failure(
        work, "removed.json", write_record(removed), key_file, ["ballots_sha256", "turnout says"]
    )

    other_key = signing.load_private_key(signing.write_keypair(tmp_path / "other")[0])
    resigned = signing.sign_record(record, other_key)
    _expect_failure(
        work, "resigned.json", write_record(resigned), key_file, ["signed with a different key"]
    )


def _expect_failure(work: Path, name: str, text: str, key_file: Path, messages: list[str]) -> None:
    path = work / name
    path.write_text(text, encoding="utf-8")
    result = _run(REPO / "tools" / "verify.py", path, "--key", key_file, cwd=work)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "VERIFICATION FAILED" in result.stdout
    for message in messages:
        assert message in result.stdout, result.stdout
