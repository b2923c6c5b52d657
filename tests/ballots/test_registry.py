"""The rule registry: one entry per rule, which every other place reads."""

from __future__ import annotations

import inspect

import pytest

from ballots.methods import (
    RULES,
    Rule,
    UnknownRule,
    budget_rules,
    from_pabulib,
    get_rule,
    register,
    rule,
    rules_for,
)
from ballots.model import BallotKind


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_counts_under_its_own_name(name: str) -> None:
    function = get_rule(name)
    signature = inspect.signature(function)
    assert {"seats", "tie_break"} <= set(signature.parameters)
    assert RULES[name].name == name and RULES[name].label_key
    assert RULES[name].ballot_kinds and all(
        isinstance(k, BallotKind) for k in RULES[name].ballot_kinds
    )


def test_pabulib_names_map_back_to_their_rule() -> None:
    named = [r for r in RULES.values() if r.pabulib]
    assert {r.name for r in named} == {r.name for r in budget_rules()} | {"approval"}
    for entry in named:
        assert from_pabulib(entry.pabulib or "") is entry
        assert from_pabulib(f"  {entry.pabulib}\\t".replace("\\t", " ")) is entry
    # Wieliczka 2023's file says equalshares/add1: the rule that reproduces it.
    assert from_pabulib("equalshares/add1") is RULES["mes-add1-until-over-budget"]
    assert from_pabulib("equalshares/add1eu") is RULES["mes-add1"]
    assert from_pabulib("something else") is None and from_pabulib("") is None


def test_which_rules_fit_which_ballot() -> None:
    names = lambda rules: [r.name for r in rules]  # noqa: E731
    assert names(rules_for("ranked")) == ["irv", "stv", "schulze", "borda"]
    assert names(rules_for("single")) == ["plurality"]
    assert names(rules_for("approval", budget=False)) == ["approval"]
    assert names(rules_for("budget")) == names(budget_rules())
    assert names(budget_rules()) == ["greedy", "mes", "mes-add1", "mes-add1-until-over-budget"]
    assert [r.name for r in RULES.values() if r.single_winner] == ["irv", "plurality"]


def test_unknown_rule_names_the_known_ones() -> None:
    with pytest.raises(UnknownRule) as caught:
        rule("dhondt")
    assert caught.value.name == "dhondt"
    assert str(caught.value).startswith(
        "unknown counting rule 'dhondt'; known rules: approval, borda, "
    )
    assert isinstance(caught.value, KeyError)


def test_register_refuses_a_name_or_pabulib_name_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register(Rule("irv", "ballots.methods.irv", "irv", (BallotKind.RANKED,)))
    with pytest.raises(ValueError, match="pabulib name 'greedy'"):
        register(Rule("x", "m", "f", (BallotKind.BUDGET,), budget=True, pabulib="greedy"))
    with pytest.raises(ValueError, match="tally unit"):
        register(Rule("y", "m", "f", (BallotKind.RANKED,), tally_unit="euros"))
    assert "x" not in RULES and "y" not in RULES
