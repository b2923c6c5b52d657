"""Votes cast on a town-hall desk's computer (DESK_ADDRESSES) are counted per channel:
online ballots, of which so many at the desk, and paper ballots; in the record (which
checks that the desk ones are part of the online ones), on the results page and in
the proces-verbaal."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.record import check_counts, read_record
from tests.voting.box_support import close_and_open_box
from tests.voting.tally_helpers import make_key
from tests.voting.vote.support import vote
from voting import tally
from voting.models import Election, VotingCode

DESK = "10.20.0.15"


@pytest.mark.app_config(DESK_ADDRESSES=f"{DESK}, 10.21.0.0/24")
def test_desk_votes_are_counted_as_online_at_the_desk(
    app: Flask,
    db_session: Session,
    make_election: Callable[..., Election],
    codes_for: Callable[[Election, int], list[str]],
) -> None:
    election = make_election(ballot_type="single", rule="plurality", slug="balie")
    codes = codes_for(election, 4)
    home = app.test_client()
    desk = app.test_client()
    desk.environ_base["REMOTE_ADDR"] = DESK
    library = app.test_client()
    library.environ_base["REMOTE_ADDR"] = "10.21.0.7"  # the library's desk network
    for client, code, choice in (
        (home, codes[0], "A"),
        (desk, codes[1], "B"),
        (library, codes[2], "B"),
        (home, codes[3], "C"),
    ):
        assert vote(client, election, code, {"choice": choice}).status_code == 303
    channels = sorted(
        str(c)
        for c in db_session.scalars(
            select(VotingCode.used_channel).where(VotingCode.used_at.is_not(None))
        )
    )
    assert channels == ["desk", "desk", "online", "online"]
    with app.test_request_context():
        close_and_open_box(db_session, election)
        tally.count_election(db_session, election, "griffie")
        record = tally.preview_record(db_session, election)
    assert record["counts"] == {
        "cast": 4,
        "online": 4,
        "paper": 0,
        "votes": 4,
        "blank": 0,
        "invalid": 0,
        "desk": 2,
    }
    assert check_counts(record) == []
    # The record reads back, and a record claiming more desk votes than online is caught.
    read_record("record.json", text=json.dumps(record))
    wrong = copy.deepcopy(record)
    wrong["counts"]["desk"] = 5
    assert check_counts(wrong) == ["counts say 5 ballots at a desk, of 4 online"]

    signing_key = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    tally.certify_election(db_session, election, "griffie", signing_key, municipality="Duiven")
    client = app.test_client()
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/uitslag/balie").text))
    assert "waarvan aan de balie van het gemeentehuis online, op de computer van de balie 2" in page
    assert "4 online (waarvan 2 aan de balie van het gemeentehuis) en 0 op papier." in page
    english = re.sub(r"<[^>]+>", " ", client.get("/uitslag/balie?lang=en").text)
    assert "4 online (2 of them at the town hall desk) and 0 on paper." in " ".join(english.split())
    report = client.get("/uitslag/balie/proces-verbaal.pdf").data
    text = " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(report)).pages).split()
    )
    assert "waarvan aan de balie van het gemeentehuis 2" in text


def test_without_desks_every_online_vote_is_online(
    app: Flask,
    db_session: Session,
    make_election: Callable[..., Election],
    codes_for: Callable[[Election, int], list[str]],
) -> None:
    election = make_election(ballot_type="single", rule="plurality")
    [code] = codes_for(election, 1)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = DESK  # not configured as a desk here
    assert vote(client, election, code, {"choice": "A"}).status_code == 303
    assert db_session.scalar(select(VotingCode.used_channel)) == "online"
