"""Every registered counting rule has its words in the web app, in Dutch and English."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from ballots.methods import RULES, TALLY_UNITS
from voting.labels import (
    RULE_DESCRIPTIONS,
    RULE_LABEL_TEXTS,
    TALLY_UNIT_LABELS,
    rule_description,
    rule_label,
    tally_unit_label,
)


def test_every_rule_has_a_label_and_a_description() -> None:
    keys = {rule.label_key for rule in RULES.values()}
    assert keys == set(RULE_LABEL_TEXTS) == set(RULE_DESCRIPTIONS)
    assert set(TALLY_UNIT_LABELS) == set(TALLY_UNITS)


@pytest.mark.parametrize("name", sorted(RULES))
def test_words_follow_the_reader_language(name: str, app: Flask) -> None:
    with app.test_request_context(), force_locale("nl"):
        dutch = (str(rule_label(name)), str(rule_description(name)), str(tally_unit_label(name)))
    with app.test_request_context(), force_locale("en"):
        english = (str(rule_label(name)), str(rule_description(name)), str(tally_unit_label(name)))
    assert all(dutch) and all(english)
    assert dutch[:2] != english[:2]


def test_unknown_rule_is_shown_by_its_name(app: Flask) -> None:
    with app.test_request_context():
        assert rule_label("dhondt") == "dhondt" and rule_description("dhondt") == "dhondt"
