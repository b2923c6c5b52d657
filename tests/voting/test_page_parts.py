"""The page footer, made once per worker for each language and sign-in state
(voting.page_parts): each reader still gets their own language, and a member of
staff who is signed in is not offered the sign-in link."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _footer(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    assert page.count('<footer class="site-footer">') == 1
    return page.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]


def test_each_reader_gets_the_footer_in_their_language(app: Flask) -> None:
    dutch, english = app.test_client(), app.test_client()
    english.get("/taal/en?next=/")
    for _round in range(2):  # the second time from the worker's copy
        assert "Hulp nodig?" in _footer(dutch, "/stem")
        assert "Uitslagen" in _footer(dutch, "/uitslag/")
        footer = _footer(english, "/stem")
        assert "Hulp nodig?" not in footer and "Results" in footer
    assert 'href="/uitslag/"' in _footer(dutch, "/stem")


def test_the_sign_in_link_only_for_who_is_not_signed_in(
    app: Flask, client: FlaskClient, login: Any
) -> None:
    resident = app.test_client()
    assert "/beheer/inloggen" in _footer(resident, "/stem")
    login("clerk")
    assert "/beheer/inloggen" not in _footer(client, "/stem")
    assert "/beheer/inloggen" in _footer(resident, "/stem")
