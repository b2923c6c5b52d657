"""Election texts in English on English pages when the clerk gave them; Dutch texts
on an English page are marked lang="nl"."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.test_setup_routes import election_form
from tests.voting.vote.support import add_codes, enter_code
from voting.models import Election, Option


def _lang_of(html: str, text: str) -> str | None:
    """The lang attribute of the element whose text is exactly ``text``."""
    found = re.search(r"<[a-z0-9]+(?P<attrs>[^>]*)>\s*" + re.escape(text) + r"\s*<", html)
    assert found, text
    lang = re.search(r'lang="([a-z]+)"', found.group("attrs"))
    return lang.group(1) if lang else None


def test_clerk_enters_english_texts(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk")
    form = election_form(
        title_en="Duiven town centre", question_en="Which plan do you prefer?", description_en=""
    )
    assert client.post("/beheer/verkiezing/nieuw", data=form).status_code == 302
    election = db_session.scalar(select(Election).where(Election.slug == form["slug"]))
    assert election is not None
    assert (election.title_en, election.question_en) == (
        "Duiven town centre",
        "Which plan do you prefer?",
    )
    added = client.post(
        f"/beheer/verkiezing/{election.id}/opties",
        data={"title": "Winkelhart", "title_en": "Shopping heart", "summary": "Meer winkels"},
    )
    assert added.status_code == 302
    db_session.expire_all()
    [option] = db_session.scalars(select(Option).where(Option.election_id == election.id))
    assert (option.title, option.title_en, option.summary_en) == (
        "Winkelhart",
        "Shopping heart",
        "",
    )


def test_ballot_shows_english_where_given_and_marks_dutch(
    client: FlaskClient,
    db_session: Session,
    make_election: Callable[..., Election],
) -> None:
    election = make_election(
        title="Centrumplan Duiven",
        title_en="Duiven town centre",
        question="Welk plan kiest u?",
        options=["Winkelhart", "Groen plein"],
    )
    election.options[0].title_en = "Shopping heart"
    election.options[1].summary = "Bomen en bankjes"
    db_session.commit()
    english_index = client.get("/?lang=en").get_data(as_text=True)
    assert "Duiven town centre" in english_index and "Centrumplan Duiven" not in english_index
    assert _lang_of(english_index, "Welk plan kiest u?") == "nl"  # no English question
    dutch_index = client.get("/?lang=nl").get_data(as_text=True)
    assert (
        "Centrumplan Duiven" in dutch_index
        and 'lang="nl"' not in dutch_index.split("<body", 1)[1].split("<footer", 1)[0]
    )

    [code] = add_codes(db_session, election, 1)
    enter_code(client, code)
    client.get("/taal/en")
    ballot = client.get("/stem/stembiljet").get_data(as_text=True)
    assert _lang_of(ballot, "Duiven town centre") is None  # the page is English
    assert _lang_of(ballot, "Shopping heart") is None
    assert _lang_of(ballot, "Groen plein") == "nl" and _lang_of(ballot, "Bomen en bankjes") == "nl"
    assert 'data-title="Shopping heart"' in ballot


class _LangStack(HTMLParser):
    """Each text of a page with the language it is in (the nearest ``lang``)."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(dict(attrs).get("lang"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            lang = next((lang for lang in reversed(self.stack) if lang), "")
            self.texts.append((" ".join(data.split()), lang))


def test_dutch_only_texts_of_the_demo_are_marked_dutch_on_english_pages(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    """A council's decision, a milestone, the announced next steps, a panel's question
    and a clerk's reason have no English version: on an English page they sit in an
    element with lang="nl" (WCAG 3.1.2), like election texts without English."""
    assert runner.invoke(args=["demo", "--no-serve"]).exit_code == 0
    client.get("/taal/en?next=/")
    wanted = {
        "/uitslag/speelplek-hemelrijken-2025": "De wijkraad adviseert",
        "/volgen/speelplek-hemelrijken-2025": "Het college neemt het advies",
        "/volgen/speelplek-hemelrijken-2025/project/A": "Kinderen van basisschool",
        "/volgen/": "Stemmen op de ideeën",
        "/burgerberaad/burgerberaad-klimaat-zeist": "Hoe wordt Zeist in 2040",
        "/voorstel/oud-woensel-ideeen/P01": "Kan binnen een jaar",
    }
    for path, start in wanted.items():
        page = client.get(path)
        assert page.status_code == 200, path
        parser = _LangStack()
        parser.feed(page.get_data(as_text=True))
        found = [lang for text, lang in parser.texts if text.startswith(start)]
        assert found and all(lang == "nl" for lang in found), (path, start, found)


def test_the_vote_button_is_a_verb_and_the_tally_column_a_noun(
    client: FlaskClient, make_election: Callable[..., Election]
) -> None:
    # One Dutch word, "Stemmen", is both: the button read "Votes" on English pages.
    make_election(title="Centrumplan", phase="voting")
    client.get("/taal/en")
    home = client.get("/").get_data(as_text=True)
    assert '<a class="button" href="/stem">Vote<span class="visually-hidden">' in home
    assert ">Votes<span" not in home
    client.get("/taal/nl")
    dutch = client.get("/").get_data(as_text=True)
    assert '<a class="button" href="/stem">Stemmen<span class="visually-hidden">' in dutch
