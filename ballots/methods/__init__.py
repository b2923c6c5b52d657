"""Counting rules, one module each, and the registry that names them.

Every rule has the signature ``rule(profile, *, seats=1, tie_break=None) -> Result``.
Budget rules read the budget and costs from the profile and ignore ``seats``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from ballots.model import Profile
from ballots.result import Result
from ballots.tiebreak import TieBreaker

Rule = Callable[..., Result]

# name -> (module, function); modules are imported on first use so that a recount of
# one rule does not pay for loading all of them.
RULES: dict[str, tuple[str, str]] = {
    "irv": ("ballots.methods.irv", "irv"),
    "stv": ("ballots.methods.stv", "stv"),
    "schulze": ("ballots.methods.schulze", "schulze"),
    "borda": ("ballots.methods.borda", "borda"),
    "plurality": ("ballots.methods.plurality", "plurality"),
    "approval": ("ballots.methods.approval", "approval"),
    "greedy": ("ballots.methods.pb_greedy", "greedy"),
    "mes": ("ballots.methods.pb_mes", "mes"),
    "mes-add1": ("ballots.methods.pb_mes", "mes_add1"),
    "mes-add1-until-over-budget": ("ballots.methods.pb_mes", "mes_add1_until_over_budget"),
}


def get_rule(name: str) -> Rule:
    """The counting function registered as ``name``; ``KeyError`` with the known names
    if there is none."""
    try:
        module, function = RULES[name]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise KeyError(f"unknown counting rule {name!r}; known rules: {known}") from None
    return getattr(import_module(module), function)


def count(profile: Profile, rule: str, *, seats: int = 1, seed: str = "") -> Result:
    """Count ``profile`` with the rule named ``rule``, breaking ties with ``seed``."""
    return get_rule(rule)(profile, seats=seats, tie_break=TieBreaker(seed))
