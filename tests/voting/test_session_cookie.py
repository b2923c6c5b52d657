"""The session cookie is encrypted: during a visit it holds the code's hash and the
receipt the cast will use, and a copy of the cookie must not show them together."""

from __future__ import annotations

import base64
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.voting.vote.support import PEPPER, add_codes, enter_code
from voting import codes
from voting.models import Election


def test_the_vote_cookie_reveals_neither_code_hash_nor_receipt(
    client: FlaskClient, db_session: Session, make_election: Callable[..., Election]
) -> None:
    election = make_election(ballot_type="single")
    [code] = add_codes(db_session, election, 1)
    assert enter_code(client, code).status_code == 303
    with client.session_transaction() as state:
        receipt = state["vote"]["rc"]
    cookie = client.get_cookie("session")
    assert cookie is not None
    value = cookie.value
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    for secret in (codes.code_hash(PEPPER, code), receipt, receipt.replace("-", "")):
        assert secret not in value and secret.encode() not in raw
    assert b'"vote"' not in raw
    # The visit goes on with the cookie as it is ...
    assert client.get("/stem/stembiljet").status_code == 200
    # ... and a changed cookie is no session at all: back to code entry.
    client.set_cookie("session", value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB"))
    response = client.get("/stem/stembiljet")
    assert response.status_code == 303 and response.location.endswith("/stem")
