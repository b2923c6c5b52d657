"""The certified demo election: counted, signed, verifiable, shown."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from ballots.record import compare_results, recount_record
from voting import signing
from voting.cli.example_election import SLUG, VOTERS, add_certified_example
from voting.tally import private_key_path


def test_example_is_certified_and_verifiable(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    election = add_certified_example(db_session, app)
    assert election is not None and election.phase == "certified"
    record = json.loads(election.record_json or "")
    assert len(record["ballots"]) == VOTERS
    assert compare_results(record["result"], recount_record(record)) == []
    key = signing.load_private_key(private_key_path(app.config["SIGNING_KEY_PATH"]))
    assert signing.verify_signature(record, key.public_key())
    assert record["turnout"]["valid"] is True and record["turnout"]["binding"] is False
    text = client.get(f"/uitslag/{SLUG}").get_data(as_text=True)
    assert "De uitslag is geldig en raadgevend" in text
    assert add_certified_example(db_session, app) is None  # once only


def test_example_uses_an_existing_key(app: Flask, db_session: Session) -> None:
    private_path, _public = signing.write_keypair(Path(app.config["SIGNING_KEY_PATH"]).parent)
    election = add_certified_example(db_session, app)
    assert election is not None
    record = json.loads(election.record_json or "")
    key = signing.load_private_key(private_path)
    assert record["signature"]["key_fingerprint"] == signing.fingerprint(key)
