"""Every registered counting rule has its words in the web app, in Dutch and English."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from ballots.methods import RULES, TALLY_UNITS
from voting.labels import (
    AUDIT_ACTION_LABELS,
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


def _recorded_actions() -> set[str]:
    """Every action code the app's source passes to ``audit.record``: constants, both
    sides of a conditional, and ``f"{action}.start"`` with each ``action="..."``
    keyword the source passes on (the register imports)."""
    import ast
    from pathlib import Path

    found: set[str] = set()
    suffixes: set[str] = set()
    prefixes: set[str] = set()
    for path in (Path(__file__).resolve().parents[2] / "voting").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                    prefixes.add(keyword.value.value)
            func = node.func
            if not (isinstance(func, ast.Attribute) and func.attr == "record"):
                continue
            if not (isinstance(func.value, ast.Name) and func.value.id == "audit"):
                continue
            action = node.args[2]
            branches = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
            for branch in branches:
                if isinstance(branch, ast.Constant):
                    found.add(branch.value)
                elif isinstance(branch, ast.JoinedStr):
                    suffixes.add(ast.unparse(branch).split("}", 1)[1].rstrip("'\""))
                else:
                    raise AssertionError(f"unreadable action in {path}: {ast.unparse(branch)}")
    return found | {prefix + suffix for prefix in prefixes for suffix in suffixes}


def test_every_audited_action_has_words_for_the_log_page() -> None:
    recorded = _recorded_actions()
    assert {"box.open", "staff.disable", "roll.import.start", "process.roll.import.finish"} <= (
        recorded
    )
    assert sorted(recorded - set(AUDIT_ACTION_LABELS)) == []
    assert sorted(set(AUDIT_ACTION_LABELS) - recorded) == []  # no words for a code never written
