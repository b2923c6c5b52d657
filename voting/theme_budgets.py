"""Per-theme budgets of a buurtbudget: where the amounts come from, and which
proposal belongs to which theme.

The amounts come from a certified split election (``Election.theme_split_id``: its
themes in their ballot order, each with its share of this election's budget) or are
typed by the clerk (``Election.theme_budgets``: JSON ``[[theme, amount], ...]``). A
proposal belongs to the theme its ``theme`` field names (as residents and organisers
filled it in; case and spaces do not matter). :func:`theme_budgets` gives what the
count (:mod:`ballots.methods.themes`) and the record need.
"""

from __future__ import annotations

import json
from fractions import Fraction

from sqlalchemy.orm import Session

from ballots.methods.distribution import whole_amounts
from ballots.methods.themes import ThemeBudgets
from ballots.tiebreak import TieBreaker
from voting.models import Election


class ThemeBudgetError(ValueError):
    """The theme budgets cannot be worked out (no certified split, a bad line)."""


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def parse_lines(text: str) -> list[tuple[str, int]]:
    """The clerk's typed budgets, one ``Theme: amount`` per line (``50.000`` and
    ``50000`` alike). Raises :class:`ThemeBudgetError` naming the bad line."""
    pairs: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        theme, sep, amount = line.rpartition(":")
        digits = amount.strip().replace(".", "").replace(" ", "")
        if not sep or not theme.strip() or not digits.isdigit():
            raise ThemeBudgetError(f"line {number}")
        if any(_same(theme, t) for t, _ in pairs):
            raise ThemeBudgetError(f"line {number}")
        pairs.append((" ".join(theme.split()), int(digits)))
    return pairs


def typed(election: Election) -> list[tuple[str, int]]:
    """The typed budgets stored on the election ([] if none)."""
    if not election.theme_budgets:
        return []
    return [(str(t), int(a)) for t, a in json.loads(election.theme_budgets)]


def from_split(session: Session, election: Election) -> list[tuple[str, int]]:
    """This election's budget divided as the certified split divided its total: its
    themes in ballot order, whole euros by largest remainder (ties by this election's
    published seed), adding up to the budget exactly."""
    split = session.get(Election, election.theme_split_id)
    if split is None or split.phase != "certified" or not split.record_json:
        raise ThemeBudgetError("split not certified")
    record = json.loads(split.record_json)
    details = record["result"]["details"]
    names = [o.get("name") or o["id"] for o in record["election"]["options"]]
    shares = tuple(Fraction(details["shares"][o["id"]]) for o in record["election"]["options"])
    if details.get("no_result") or sum(shares) != 1:
        raise ThemeBudgetError("split has no outcome")
    amounts = whole_amounts(
        shares, election.budget or 0, names, TieBreaker(election.tie_break_seed or "")
    )
    return [(name, amounts[name]) for name in names]


def theme_budgets(
    session: Session, election: Election
) -> tuple[ThemeBudgets | None, list[tuple[str, int]], str]:
    """The count's :class:`ThemeBudgets` (None without theme budgets), the budgets as
    pairs for the record, and the slug of the split they came from ("" if typed)."""
    if election.theme_split_id is not None:
        pairs, source = from_split(session, election), ""
        split = session.get(Election, election.theme_split_id)
        source = split.slug if split is not None else ""
    else:
        pairs, source = typed(election), ""
    if not pairs:
        return None, [], ""
    theme_of = {}
    for option in election.accepted_options():
        match = next((t for t, _ in pairs if option.theme and _same(option.theme, t)), None)
        if match is not None:
            theme_of[option.key] = match
    return ThemeBudgets(dict(pairs), theme_of, election.leftover), pairs, source


def option_theme(election: Election, pairs: list[tuple[str, int]], theme: str) -> str:
    """A proposal's theme as the budgets spell it ("" if no budget names it)."""
    return next((t for t, _ in pairs if theme and _same(theme, t)), "")


def shown_pairs(election: Election) -> list[tuple[str, int]]:
    """The theme budgets to show on the ballot ([] if none or not yet known)."""
    from sqlalchemy.orm import object_session

    from voting import db

    if not election.is_budget:
        return []
    # The vote pages show the worker's shared copy of the election, which belongs to
    # no session (voting.election_cache): read with the request's own.
    session = object_session(election) or db.session()
    try:
        return theme_budgets(session, election)[1]
    except (ThemeBudgetError, ValueError, KeyError):
        return []  # the count says what is wrong; a ballot page must still show
