"""A property-based attacker over every route of the app (``app.url_map``): random and
malicious path parts, query arguments, form fields, uploads, methods and cookies, as
an anonymous visitor, a resident in a visit, an organiser, a clerk and an admin.

Whatever is sent: never a 500, nothing stored from a refused (4xx) request, and a
script sent in is never echoed unescaped. ``BUURTSTEM_FUZZ_EXAMPLES`` sets how many
requests are tried (default 150, a few seconds; try 5000 before a release).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from tests.conftest import STAFF_PASSWORD
from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from tests.voting.vote.support import add_codes
from voting.cli.example_election import add_certified_example
from voting.models import (
    Ballot,
    Election,
    Option,
    Receipt,
    RollEntry,
    SealedBallot,
    StaffUser,
    VotingCode,
)
from voting.request_guard import has_control_characters

SCRIPT = "<script>alert(1)</script>"
EXAMPLES = int(os.environ.get("BUURTSTEM_FUZZ_EXAMPLES", "150"))
# Values every route gets in every path part and every field of its forms, on top of
# the random requests: the classes of input that broke the app before.
SWEEP_VISITORS = (("/beheer", "admin"), ("/voorstellen", "organiser"), ("/stem", "resident"))
SWEEP = ["a\x00b", "\x1b\x7f", str(2**31), "-" + "9" * 30, SCRIPT, "Ü" * 300]
MALICIOUS = [
    "",
    "\x00",
    "a\x00b",
    "\x1b[2J",
    "\u202egnp.exe",
    "\ufeff",
    "𝟘𝟙",
    "٣٤",
    "Ünïcödé € ✓ 中文",
    "'; DROP TABLE ballots; --",
    "' OR '1'='1",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "../../../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    str(2**31 - 1),
    str(2**31),
    str(-(2**31) - 1),
    str(2**63),
    "9" * 40,
    "9" * 5000,
    "-1",
    "0",
    "1e309",
    "NaN",
    "0x10",
    " 12 ",
    "A" * 20_000,
    "ja",
    "y",
    "1",
    "accept",
    "reject",
    "nl",
    "en",
]
EXTRA_FIELDS = [
    "choice",
    "rank-A",
    "rank-B",
    "rank-P01",
    "blank",
    "taal",
    "election",
    "visit",
    "confirm",
    "to",
    "csrf_token",
]
# POST routes that take no CSRF token by design (a secret token in the address).
ONE_CLICK_UNSUBSCRIBE = frozenset({"follow_up.unsubscribe"})
OTHER_METHODS = ["PUT", "DELETE", "PATCH"]


def _form_field_names() -> list[str]:
    """Every field name of every form in the app, plus the hand-read ballot fields."""
    names: set[str] = set(EXTRA_FIELDS)
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField))
    return sorted(names)


def fingerprint(session: Session) -> str:
    """A hash over the watched rows, so an insert, update or delete shows: every
    column of elections, options and staff (the record by its length), and counts
    of roll entries, codes (used, revoked) and ballots. Also checks that no stored
    text holds a NUL or another control character."""
    digest = hashlib.sha256()
    for model in (Election, Option, StaffUser):
        columns = [
            func.length(c) if c.key in ("record_json", "result_json") else c
            for c in model.__table__.columns
        ]
        for row in session.execute(select(*columns).order_by(model.__table__.c.id)):
            for value in row:
                assert not (isinstance(value, str) and has_control_characters(value)), row
            digest.update(repr(tuple(row)).encode())
    counts = select(
        select(func.count()).select_from(RollEntry).scalar_subquery(),
        select(func.count()).select_from(VotingCode).scalar_subquery(),
        select(func.count(VotingCode.used_at)).scalar_subquery(),
        select(func.count(VotingCode.revoked_at)).scalar_subquery(),
        select(func.count()).select_from(Ballot).scalar_subquery(),
        select(func.count()).select_from(SealedBallot).scalar_subquery(),
    )
    digest.update(repr(tuple(session.execute(counts).one())).encode())
    session.commit()
    return digest.hexdigest()


class World:
    """The app with something in every phase and a client per kind of visitor."""

    def __init__(self, app: Flask, session: Session, make_election: Callable[..., Election]):
        self.app = app
        make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
        draft = make_election(phase="draft", title="Concept")
        proposals = make_election(kind="budget", phase="proposals", costs=[1000, 2000])
        voting = make_election(title="Open")
        budget = make_election(kind="budget", costs=[10_000, 20_000, 30_000])
        closed = make_election(phase="closed", title="Gesloten")
        add_roll(session, closed, 5)
        add_ballots(session, closed, [["A", "B"], ["B"]])
        certified = add_certified_example(session, app)
        assert certified is not None
        self.elections = [draft, proposals, voting, budget, closed, certified]
        self.ids = [e.id for e in self.elections]
        self.option_ids = [o.id for e in self.elections for o in e.options]
        self.slugs = [e.slug for e in self.elections]
        self.receipts = list(
            session.scalars(select(Receipt.receipt).where(Receipt.election_id == certified.id))
        )[:3]
        codes = add_codes(session, voting, 3) + add_codes(session, budget, 3)
        self.codes = codes
        self.clients: dict[str, FlaskClient] = {"anonymous": app.test_client()}
        for role in ("organiser", "clerk", "admin"):
            user = StaffUser(username=f"fuzz-{role}", display_name=role, role=role)
            user.set_password(STAFF_PASSWORD)
            session.add(user)
            session.commit()
            client = app.test_client()
            answer = client.post(
                "/beheer/inloggen", data={"username": user.username, "password": STAFF_PASSWORD}
            )
            assert answer.status_code == 302
            self.clients[role] = client
        resident = app.test_client()
        assert resident.post("/stem", data={"code": codes[0]}).status_code == 303
        self.clients["resident"] = resident
        self.rules = list(app.url_map.iter_rules())
        self.fields = _form_field_names()
        self.fields_for = self._fields_per_endpoint()

    def _fields_per_endpoint(self) -> dict[str, list[str]]:
        """The field names of every form the pages show, by the endpoint the form
        posts to: so most requests fill in the very fields a view reads."""
        adapter = self.app.url_map.bind("localhost")
        found: dict[str, set[str]] = {}
        for rule in self.rules:
            if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
                continue
            values = {"election_id": self.ids[0], "option_id": self.option_ids[0]}
            values.update(slug=self.slugs[-1], lang="nl", ext="blt")
            for election_id in self.ids:
                values["election_id"] = election_id
                path = adapter.build(rule.endpoint, {k: values.get(k, "1") for k in rule.arguments})
                for client in self.clients.values():
                    page = client.get(path)
                    html = page.get_data().decode("utf-8", "replace")
                    page.close()
                    if page.mimetype != "text/html":
                        continue
                    for action, names in _forms(html, path):
                        try:
                            endpoint, _args = adapter.match(action, method="POST")
                        except Exception:
                            continue
                        found.setdefault(endpoint, set()).update(names)
                if "election_id" not in rule.arguments:
                    break
        return {endpoint: sorted(names) for endpoint, names in found.items()}


class _FormParser(HTMLParser):
    """Collects (action, field names) of the forms on a page."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            action = attributes.get("action") or self.page_path
            self.forms.append((action.split("?")[0], set()))
        elif (
            tag in ("input", "select", "textarea", "button")
            and self.forms
            and attributes.get("name")
        ):
            self.forms[-1][1].add(str(attributes["name"]))


def _forms(html: str, page_path: str) -> list[tuple[str, set[str]]]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


def _value() -> st.SearchStrategy[str]:
    printable = st.characters(blacklist_categories=("Cs",))
    controls = st.characters(min_codepoint=0, max_codepoint=0x7F)
    return st.one_of(
        st.sampled_from(MALICIOUS),
        st.text(printable, max_size=40),
        st.text(controls, min_size=1, max_size=10),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


@st.composite
def requests(draw: st.DrawFn, world: World, rule: Rule) -> dict[str, Any]:
    """One hostile request to ``rule``: filled-in path, method, visitor, query, body."""
    path = rule.rule
    for name in sorted(rule.arguments):
        converter = rule._converters[name]  # the <int:...> / <path:...> of the rule
        if type(converter).__name__.endswith("IntegerConverter"):
            known = world.option_ids if name == "option_id" else world.ids
            number = draw(
                st.one_of(st.sampled_from(known), st.integers(-10, 2**40), st.just(2**31))
            )
            part = str(number)
        else:
            known = [*world.slugs, "nl", "en", "blt", "pb", "css/site.css"]
            part = quote(draw(st.one_of(st.sampled_from(known), _value())), safe="")
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", lambda _m, p=part: p, path)
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    # Mostly the rule's own methods (that is where the views are), now and then another.
    method = draw(st.sampled_from(methods * 4 + OTHER_METHODS))
    known_fields = world.fields_for.get(rule.endpoint)
    field_value = _value() | st.sampled_from(world.codes + world.receipts)
    if known_fields and draw(st.integers(0, 4)):
        # Mostly the form's own fields, each present or not, plus now and then another.
        form = {name: draw(field_value) for name in known_fields if draw(st.integers(0, 3))}
    else:
        form = draw(st.dictionaries(st.sampled_from(world.fields), field_value))
    query = draw(st.dictionaries(st.sampled_from(["next", "lang", "x", "page"]), _value()))
    visitor = draw(st.sampled_from(sorted(world.clients)))
    return {
        "path": path,
        "method": method,
        "form": form,
        "query": query,
        "visitor": visitor,
        "upload": draw(st.none() | st.binary(max_size=300)),
        "filename": draw(st.sampled_from(["kiezers.csv", "a\x00.csv", "../../x", ""])),
        "forged_cookie": draw(st.none() | st.text(max_size=80) | st.just("e30.AAAA.BBBB")),
        "raw_body": draw(st.none() | st.binary(max_size=200)),
        "forwarded_for": draw(st.none() | st.sampled_from(["1.2.3.4", "x, y", "\u00e9", "::1"])),
    }


def send(world: World, req: dict[str, Any]) -> Any:
    """Send ``req`` as its visitor (a fresh client for a forged cookie or a logout)."""
    client = world.clients[req["visitor"]]
    if req["forged_cookie"] is not None or req["path"].endswith("/uitloggen"):
        client = world.app.test_client()
        if req["forged_cookie"] is not None:
            client.set_cookie("session", req["forged_cookie"])
    headers = {}
    if req["forwarded_for"] is not None:
        headers["X-Forwarded-For"] = req["forwarded_for"]
    kwargs: dict[str, Any] = {"query_string": req["query"], "headers": headers}
    if req["method"] != "GET":
        if req["raw_body"] is not None:
            kwargs["data"] = req["raw_body"]
            kwargs["content_type"] = "application/x-www-form-urlencoded"
        else:
            data: dict[str, Any] = dict(req["form"])
            if req["upload"] is not None:
                data["register"] = (io.BytesIO(req["upload"]), req["filename"])
            kwargs["data"] = data
    return client.open(req["path"], method=req["method"], **kwargs)


@pytest.mark.app_config(SESSION_COOKIE_SECURE=False)
def sweep(world: World, rule: Rule) -> list[dict[str, Any]]:
    """Each SWEEP value in every path part, then in every form field of ``rule``
    (with real ids, one election of each phase in turn, in the path), with each of
    the rule's methods, sent by the visitor who gets furthest into it."""
    fields = world.fields_for.get(rule.endpoint, [])
    visitor = next(
        (who for prefix, who in SWEEP_VISITORS if rule.rule.startswith(prefix)), "anonymous"
    )
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    found = []
    for number, value in enumerate(SWEEP):
        real = {
            "election_id": str(world.ids[number % len(world.ids)]),
            "option_id": str(world.option_ids[number % len(world.option_ids)]),
        }
        hostile_path, real_path = rule.rule, rule.rule
        for name in rule.arguments:
            pattern = rf"<(?:[^:<>]+:)?{name}>"
            quoted = quote(value, safe="")
            hostile_path = re.sub(pattern, lambda _m, q=quoted: q, hostile_path)
            is_int = type(rule._converters[name]).__name__.endswith("IntegerConverter")
            fallback = "1" if is_int else world.slugs[number % len(world.slugs)]
            known = real.get(name, fallback)
            real_path = re.sub(pattern, lambda _m, k=known: k, real_path)
        attempts = [(real_path, dict.fromkeys(fields, value))]
        if rule.arguments:
            attempts.append((hostile_path, {}))
        for path, form in attempts:
            for method in methods:
                found.append(
                    {
                        "path": path,
                        "method": method,
                        "form": form,
                        "query": {"next": value},
                        "visitor": visitor,
                        "upload": None,
                        "filename": "",
                        "forged_cookie": None,
                        "raw_body": None,
                        "forwarded_for": None,
                    }
                )
    return found


def check(world: World, session: Session, req: dict[str, Any]) -> None:
    """Send ``req``: no 500, nothing stored when refused, no script echoed."""
    before = fingerprint(session)
    response = send(world, req)
    try:
        status = response.status_code
        # Reading runs a streamed body to its end; downloads need not be UTF-8.
        body = response.get_data().decode("utf-8", "replace")
        assert status < 500, (req, body[:500])
        if status >= 400:
            assert fingerprint(session) == before, (req, status)
        if response.mimetype == "text/html":
            assert SCRIPT not in body, req
    finally:
        response.close()


@pytest.mark.app_config(SESSION_COOKIE_SECURE=False)
def test_no_request_gives_a_500_or_stores_anything_when_refused(
    app: Flask, db_session: Session, make_election: Callable[..., Election]
) -> None:
    world = World(app, db_session, make_election)
    per_rule = max(1, EXAMPLES // len(world.rules))
    for rule in world.rules:
        if rule.endpoint == "static":
            continue
        for req in sweep(world, rule):
            check(world, db_session, req)

        @settings(
            max_examples=per_rule,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(req=requests(world, rule))
        def attack(req: dict[str, Any]) -> None:
            check(world, db_session, req)

        attack()


def test_every_post_route_refuses_a_missing_csrf_token_and_stores_nothing(
    database_url: str, tmp_path: Path, db_session: Session, make_election
) -> None:
    from tests.conftest import app_config
    from voting import create_app
    from voting.extensions import csrf

    app = create_app(app_config(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True))
    try:
        session = app.extensions["db_sessionmaker"]()
        world_ids = [make_election(phase=p).id for p in ("draft", "voting", "closed")]
        client = app.test_client()
        admin = StaffUser(username="csrf-admin", display_name="Admin", role="admin")
        admin.set_password(STAFF_PASSWORD)
        session.add(admin)
        session.commit()
        page = client.get("/beheer/inloggen").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token is not None
        answer = client.post(
            "/beheer/inloggen",
            data={"username": "csrf-admin", "password": STAFF_PASSWORD, "csrf_token": token[1]},
        )
        assert answer.status_code == 302
        before = fingerprint(session)
        posts = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ())]
        assert len(posts) >= 15
        for rule in posts:
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(world_ids[0]), path)
            if path.endswith("/uitloggen"):
                continue  # checked last: it would end the session the others need
            response = client.post(path, data={"title": "x", "code": "ABCD", "confirm": "ja"})
            if rule.endpoint in ONE_CLICK_UNSUBSCRIBE:
                # RFC 8058: a mail client posts without our form; its token guards it.
                assert response.status_code < 500, path
                continue
            view = app.view_functions[rule.endpoint]
            if f"{view.__module__}.{view.__name__}" in csrf._exempt_views:
                # Uploads check the token in the view, after the object is found.
                assert 400 <= response.status_code < 500, path
                continue
            assert response.status_code == 400, path
        assert client.post("/beheer/uitloggen").status_code == 400
        assert fingerprint(session) == before
        session.close()
    finally:
        app.extensions["db_engine"].dispose()
