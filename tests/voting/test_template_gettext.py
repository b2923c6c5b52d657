"""Template texts through voting.template_gettext: translated in the page's language
(also inside blocks that set variables, and under ``force_locale``), arguments
escaped, ``%%`` shown as ``%``, plurals by number; and Flask-Limiter's per-request
hook only where a limit needs it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template_string
from flask_babel import force_locale

from tests.conftest import app_config
from voting import create_app
from voting.extensions import limiter

PAGE = (
    "{% extends 'base.html' %}{% block content %}{% set n = 2 %}"
    "<p id=a>{{ _('Stemmen') }}</p>"
    "<p id=b>{{ _('%(who)s: 100%%', who='<b>') }}</p>"
    "<p id=c>{{ ngettext('U kunt nog %(num)d idee indienen.', "
    "'U kunt nog %(num)d ideeën indienen.', n) }}</p>{% endblock %}"
)


def test_texts_in_the_page_language(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        english = render_template_string(PAGE)
    with app.test_request_context("/"):
        dutch = render_template_string(PAGE)
    assert "<p id=a>Votes</p>" in english and "Skip to content" in english
    assert "You can send in 2 more ideas." in english
    assert "<p id=a>Stemmen</p>" in dutch and "Naar de inhoud" in dutch
    assert "U kunt nog 2 ideeën indienen." in dutch
    # The argument is escaped, the text itself is not; %% is a percent sign.
    assert "<p id=b>&lt;b&gt;: 100%</p>" in dutch


def test_force_locale_inside_a_request(app: Flask) -> None:
    with app.test_request_context("/"):
        before = render_template_string("{{ _('Stemmen') }}")
        with force_locale("en"):
            forced = render_template_string("{{ _('Stemmen') }}")
        after = render_template_string("{{ _('Stemmen') }}")
    assert (before, forced, after) == ("Stemmen", "Votes", "Stemmen")


def test_limiter_checks_every_request_only_when_a_limit_needs_it(
    database_url: str, tmp_path: Path
) -> None:
    plain = create_app(app_config(database_url, tmp_path / "plain", RATELIMIT_ENABLED=True))
    plain.extensions["db_engine"].dispose()
    assert limiter._check_request_limit not in plain.before_request_funcs[None]
    limited = create_app(
        app_config(
            database_url,
            tmp_path / "limited",
            RATELIMIT_ENABLED=True,
            RATELIMIT_DEFAULT="2 per minute",
        )
    )
    try:
        assert limiter._check_request_limit in limited.before_request_funcs[None]
        pages = [limited.test_client().get("/favicon.ico").status_code for _ in range(3)]
        assert pages == [301, 301, 429]
    finally:
        limited.extensions["db_engine"].dispose()
        # The one Limiter object outlives this app: later apps get no default limit.
        limiter.limit_manager.set_default_limits([])
