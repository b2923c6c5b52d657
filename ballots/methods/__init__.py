"""Counting rules, one module each, and the one registry that describes them.

Every rule has the signature ``rule(profile, *, seats=1, tie_break=None) -> Result``.
Budget rules read the budget and costs from the profile and ignore ``seats``.

:data:`RULES` is the only place that says what a rule is called, which ballots it
counts, whether it spends a budget, how it is named in a pabulib ``.pb`` file and which
words the web app shows for it: the setup forms, the results pages, the ``.pb`` and BLT
downloads, ``tools/recount.py`` and ``tools/verify.py`` all read it. A new rule is one
:func:`register` call (and, in the web app, its words and a database migration).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module

from ballots.methods.themes import ThemeBudgets, count_by_theme
from ballots.model import BallotError, BallotKind, Profile
from ballots.result import Result, ResultWarning
from ballots.tiebreak import TieBreaker

CountFunction = Callable[..., Result]

# What a round's tallies count, for the words above a chart or table. A rule names one
# for all its rounds; a round may name another (:attr:`ballots.result.Round.unit`):
# "price" is an equal-shares step's price per supporter; "amounts" is money or points
# given to a theme (split rules).
TALLY_UNITS = ("votes", "approvals", "points", "price", "amounts")


@dataclass(frozen=True, slots=True)
class Rule:
    """What everyone needs to know about one counting rule.

    - ``name``: the rule's name in elections, records and on the command line.
    - ``module``, ``function``: where the count lives; imported on first use, so that a
      recount of one rule does not pay for loading all of them.
    - ``ballot_kinds``: the ballot kinds (:class:`~ballots.model.BallotKind`) an
      election counted by this rule may use. (Some functions count more: ``irv`` also
      counts single-choice ballots as rankings of one, which a recount of a BLT file
      relies on; the setup forms offer only these.)
    - ``budget``: True if it funds proposals within a budget (an election of kind
      ``budget`` needs such a rule, a referendum may not use one). It then reads the
      budget and costs from the profile; otherwise it fills ``seats``.
    - ``single_winner``: True if it elects exactly one option (``seats`` must be 1).
    - ``pabulib``: the ``rule`` value in a ``.pb`` file's META that names this rule, or
      None for rules that are not offered as ``.pb``; ``pabulib_aliases`` are other
      META values read as this rule.
    - ``label_key``: the key of the rule's name and description in the web app's
      translated words (``voting/labels.py``); the name unless given.
    - ``tally_unit``: what a round's tallies count (one of :data:`TALLY_UNITS`;
      ``amounts`` is money or points given to a theme).
    - ``splits``: True for rules that split a total over themes (distribution
      ballots): every option gets an amount, nobody is elected.
    - ``in_rounds``: True if the count goes round by round, dropping or transferring
      (a chart per round fits), False if one round of scores decides.
    """

    name: str
    module: str
    function: str
    ballot_kinds: tuple[BallotKind, ...]
    budget: bool = False
    single_winner: bool = False
    pabulib: str | None = None
    pabulib_aliases: tuple[str, ...] = ()
    label_key: str = ""
    tally_unit: str = "votes"
    in_rounds: bool = False
    splits: bool = False

    def __post_init__(self) -> None:
        if not self.label_key:
            object.__setattr__(self, "label_key", self.name)

    @property
    def uses_seats(self) -> bool:
        """True if the number of seats is a setting of this rule (else one winner, or
        the budget decides how many, or the rule splits a total over every option)."""
        return not self.budget and not self.single_winner and not self.splits

    def accepts(self, kind: BallotKind | str) -> bool:
        """True if this rule counts ballots of ``kind``."""
        return BallotKind(kind) in self.ballot_kinds

    def count_function(self) -> CountFunction:
        """The counting function (imported now if it was not yet)."""
        return getattr(import_module(self.module), self.function)


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to :data:`RULES`; ``ValueError`` if its name or pabulib name is
    taken, or its tally unit is unknown."""
    if rule.name in RULES:
        raise ValueError(f"counting rule {rule.name!r} is registered twice")
    names = {rule.pabulib, *rule.pabulib_aliases} - {None}
    taken = {n for r in RULES.values() for n in (r.pabulib, *r.pabulib_aliases) if n}
    if names & taken:
        raise ValueError(f"pabulib name {sorted(names & taken)[0]!r} is registered twice")
    if rule.tally_unit not in TALLY_UNITS:
        raise ValueError(f"counting rule {rule.name!r}: unknown tally unit {rule.tally_unit!r}")
    RULES[rule.name] = rule
    return rule


_RANKED = (BallotKind.RANKED,)
_SUBSETS = (BallotKind.APPROVAL, BallotKind.BUDGET)
# greedy and equal shares also count points ballots, the points as utilities
_WITH_POINTS = (*_SUBSETS, BallotKind.POINTS)
for _rule in (
    Rule("irv", "ballots.methods.irv", "irv", _RANKED, single_winner=True, in_rounds=True),
    Rule("stv", "ballots.methods.stv", "stv", _RANKED, in_rounds=True),
    Rule("schulze", "ballots.methods.schulze", "schulze", _RANKED),
    Rule("borda", "ballots.methods.borda", "borda", _RANKED, tally_unit="points"),
    Rule(
        "plurality",
        "ballots.methods.plurality",
        "plurality",
        (BallotKind.SINGLE,),
        single_winner=True,
    ),
    # k-winner approval, in pabulib terms: every option costs 1 and the budget is k.
    Rule(
        "approval",
        "ballots.methods.approval",
        "approval",
        (BallotKind.APPROVAL,),
        pabulib="approval",
        tally_unit="approvals",
    ),
    Rule(
        "greedy", "ballots.methods.pb_greedy", "greedy", _WITH_POINTS, budget=True, pabulib="greedy"
    ),
    Rule("mes", "ballots.methods.pb_mes", "mes", _WITH_POINTS, budget=True, pabulib="equalshares"),
    # equalshares.net names its completions: "add1eu" raises the shares until the
    # outcome is exhaustive and then fills up greedily (pabutools' completion, ours
    # ``mes-add1``); plain "add1" raises them while the outcome fits the budget (what
    # Wieliczka 2023 ran, ours ``mes-add1-until-over-budget``). See README.
    Rule(
        "mes-add1",
        "ballots.methods.pb_mes",
        "mes_add1",
        _SUBSETS,
        budget=True,
        pabulib="equalshares/add1eu",
    ),
    Rule(
        "mes-add1-until-over-budget",
        "ballots.methods.pb_mes",
        "mes_add1_until_over_budget",
        _SUBSETS,
        budget=True,
        pabulib="equalshares/add1",
    ),
    # Budget splits over themes (ballots.methods.distribution): every theme gets an
    # amount, so "winners" lists every theme, largest amount first.
    Rule(
        "distribution-mean",
        "ballots.methods.distribution",
        "mean",
        (BallotKind.DISTRIBUTION,),
        tally_unit="amounts",
        splits=True,
    ),
    Rule(
        "distribution-median",
        "ballots.methods.distribution",
        "independent_markets",
        (BallotKind.DISTRIBUTION,),
        tally_unit="amounts",
        splits=True,
    ),
):
    register(_rule)


class UnknownRule(KeyError):
    """No counting rule has this name; ``name`` and ``known`` say which were asked and
    which exist. ``str()`` is an English sentence for the command line."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.known = tuple(sorted(RULES))
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown counting rule {self.name!r}; known rules: {', '.join(self.known)}"


def rule(name: str) -> Rule:
    """The registered rule called ``name``; :class:`UnknownRule` if there is none."""
    try:
        return RULES[name]
    except KeyError:
        raise UnknownRule(name) from None


def get_rule(name: str) -> CountFunction:
    """The counting function registered as ``name``; :class:`UnknownRule` (a
    ``KeyError``) if there is none."""
    return rule(name).count_function()


def rules_for(kind: BallotKind | str, *, budget: bool | None = None) -> tuple[Rule, ...]:
    """The rules that count ballots of ``kind``, in registry order; with ``budget``
    only budget rules (True) or only the others (False)."""
    return tuple(
        r for r in RULES.values() if r.accepts(kind) and (budget is None or r.budget == budget)
    )


def budget_rules() -> tuple[Rule, ...]:
    """Every rule that funds proposals within a budget."""
    return tuple(r for r in RULES.values() if r.budget)


def from_pabulib(meta_rule: str) -> Rule | None:
    """The rule a ``.pb`` file's META ``rule`` names (its pabulib name or an alias), or
    None if no rule of ours has that name."""
    wanted = meta_rule.strip()
    for candidate in RULES.values():
        if wanted and wanted in (candidate.pabulib, *candidate.pabulib_aliases):
            return candidate
    return None


def names(rules: Iterable[Rule]) -> tuple[str, ...]:
    """The names of ``rules``."""
    return tuple(r.name for r in rules)


def count(
    profile: Profile,
    rule_name: str,
    *,
    seats: int = 1,
    seed: str = "",
    themes: ThemeBudgets | None = None,
) -> Result:
    """Count ``profile`` with the rule named ``rule_name``, breaking ties with ``seed``.
    Raises :class:`UnknownRule` for an unknown name. With ``themes`` a budget rule
    funds proposals within each theme's budget (:mod:`ballots.methods.themes`).

    If no ballot names any option (no ballots, or only blank ones) there is nothing to
    decide: every rule would elect or fund by lot alone. The result then has no
    winners, rounds or tie breaks, and the warning
    :attr:`~ballots.result.ResultWarning.NO_VOTES`. (The rule is still run, so that a
    profile it cannot count is refused as always.)
    """
    function = get_rule(rule_name)
    if themes is not None:
        if not rule(rule_name).budget:
            raise BallotError("theme_budgets_need_budget_rule", rule=rule_name)
        result = count_by_theme(
            profile, rule_name, function, themes, seats=seats, tie_break=TieBreaker(seed)
        )
    else:
        result = function(profile, seats=seats, tie_break=TieBreaker(seed))
    if any(group.choices and group.count > 0 for group in profile.groups):
        return result
    return Result(
        method=result.method,
        seats=result.seats,
        winners=(),
        rounds=(),
        seed=result.seed,
        details={"ballots": profile.total},
        warnings=(ResultWarning.NO_VOTES,),
    )
