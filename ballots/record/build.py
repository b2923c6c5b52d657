"""Building the (unsigned) record from an election, its ballots and its result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any

from ballots.errors import RecordError
from ballots.model import WEIGHTED_KINDS, BallotKind, Option, Profile, min_spend_of
from ballots.record.canonical import (
    ballot_sha256,
    ballot_text,
    ballots_sha256,
    canonical_bytes,
    receipts_sha256,
)
from ballots.record.layout import (
    ALIASES,
    BLANK_SHARE_COUNTED,
    COUNT_FIELDS,
    ELECTION_FIELDS,
    FORMAT,
    HASH_PROCEDURE,
    KINDS,
    OPTIONAL_COUNT_FIELDS,
    TURNOUT_FIELDS,
)
from ballots.record.profile import check_ballot
from ballots.result import Result
from ballots.tiebreak import PROCEDURE
from ballots.turnout import Turnout


def build_record(
    *,
    election: Mapping[str, Any],
    ballots: Iterable[Sequence[str] | Mapping[str, int]],
    receipts: Iterable[str],
    result: Result,
    turnout: Mapping[str, Any],
    counts: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Build the (unsigned) election record.

    ``election`` holds the metadata (see the module docstring; ``proposals`` is
    accepted for ``options``, ``opens_at``/``closes_at`` for ``voting_opens``/
    ``voting_closes``; options may be dicts or :class:`Option`; dates may be
    ``date``/``datetime`` or ISO strings). ``ballots`` are the counted ballots' choices
    (blank ones too, invalid ones not) in any order; they are validated against the
    options and sorted by their canonical JSON, so their order says nothing about when
    or by whom they were cast. A split (distribution) or points ballot is a mapping
    option id -> amount instead (options given 0 may be left out; ``{}`` is blank); it
    is stored as its sorted ``choices`` with their ``points``. ``receipts`` are
    published apart, sorted: a receipt proves a ballot was counted, never which ballot
    it is.
    ``counts`` gives ``online``, ``paper`` and ``invalid`` (default: all online, none
    invalid), and optionally ``desk`` (how many of the online ballots were cast on a
    town-hall desk's computer); ``cast``, ``votes`` and ``blank`` are computed and, if
    given, must agree.
    Every ballot has one receipt: ``cast`` = receipts = ballots + invalid.
    ``turnout`` may give ``roll_size`` and ``threshold_percent`` when ``election`` does
    not, ``valid`` (default: threshold met), ``binding`` (default: election binding and
    valid), and any computed value (``ballots``, ``percent``, ``threshold_met``), which
    must then agree with the computation.

    Raises :class:`~ballots.errors.RecordError` (or :class:`BallotError`; both are
    ``ValueError``) for unknown fields, bad values, duplicate receipts, counts that
    disagree, invalid ballots, or a result that does not belong to this election (other
    rule or seed).
    """
    meta = _election_metadata(election)
    checker = ballot_checker(meta)
    kind = checker.kind
    # Elections repeat ballots a great deal (a million ballots, a few thousand distinct
    # ones): each distinct ballot is checked, encoded and hashed once, and its entry is
    # one dict that every copy of it shares. The record reads the same; it only holds
    # (and encodes) far less.
    distinct: dict[tuple[tuple[str, ...], tuple[int, ...] | None], tuple[str, dict]] = {}
    stored_ballots: list[tuple[str, dict[str, Any]]] = []
    for number, ballot in enumerate(ballots, start=1):
        stored, points = stored_form(kind, ballot, number)
        key = (tuple(stored), tuple(points) if points is not None else None)
        known = distinct.get(key)
        if known is None:
            # The first copy is checked, so an error names the first bad ballot.
            entry = checked_entry(checker, number, stored, points, meta["allow_blank"])
            known = distinct[key] = (ballot_text(stored, points), entry)
        stored_ballots.append(known)
    stored_ballots.sort(key=lambda b: b[0])
    entries: list[dict[str, Any]] = [entry for _text, entry in stored_ballots]
    receipt_list = sorted(receipts)
    for receipt in receipt_list:
        if not isinstance(receipt, str) or not receipt:
            raise RecordError("receipt_not_text", receipt=receipt)
    for before, after in pairwise(receipt_list):
        if before == after:
            raise RecordError("receipt_twice", receipt=after)
    blank = sum(1 for e in entries if not e["choices"])
    tally = _counts(counts or {}, len(entries), blank, len(receipt_list))

    check_result_belongs(result, meta)

    record: dict[str, Any] = {
        "format": FORMAT,
        "election": meta,
        "tie_break_procedure": PROCEDURE,
        "hash_procedure": HASH_PROCEDURE,
        "ballots": entries,
        "ballots_sha256": ballots_sha256(e["sha256"] for e in entries),
        "receipts": receipt_list,
        "receipts_sha256": receipts_sha256(receipt_list),
        "counts": tally,
        "result": result.to_dict(),
        "turnout": _turnout(
            meta,
            tally["cast"],
            turnout,
            threshold_given="turnout_threshold_percent" in election,
        ),
    }
    # Fail here, not when the clerk publishes: the record must encode canonically.
    canonical_bytes(record)
    return record


def _counts(
    given: Mapping[str, int], ballots: int, blank: int, receipts: int | None
) -> dict[str, int]:
    """The counts block for ``ballots`` counted ballots (``blank`` of them blank) and
    ``receipts`` receipts (None: checked later, ballots.record.stream)."""
    unknown = sorted(set(given) - set(COUNT_FIELDS) - set(OPTIONAL_COUNT_FIELDS))
    if unknown:
        raise RecordError("count_fields_unknown", fields=", ".join(unknown))
    invalid = given.get("invalid", 0)
    cast = ballots + invalid
    online = given.get("online", cast - given.get("paper", 0))
    paper = given.get("paper", cast - online)
    counts = {
        "cast": cast,
        "online": online,
        "paper": paper,
        "votes": ballots - blank,
        "blank": blank,
        "invalid": invalid,
    }
    for name, value in counts.items():
        _check_int(value, f"count {name}", minimum=0)
        if name in given and given[name] != value:
            raise RecordError("count_disagrees", field=name, given=given[name], computed=value)
    if online + paper != cast:
        raise RecordError("channels_disagree", online=online, paper=paper, cast=cast)
    if "desk" in given:
        # Online ballots cast on a town-hall desk's computer: part of ``online``.
        desk = given["desk"]
        _check_int(desk, "count desk", minimum=0)
        if desk > online:
            raise RecordError("count_disagrees", field="desk", given=desk, computed=online)
        counts["desk"] = desk
    if receipts is not None and receipts != cast:
        raise RecordError("receipts_disagree", receipts=receipts, cast=cast)
    return counts


def _election_metadata(election: Mapping[str, Any]) -> dict[str, Any]:
    given = dict(election)
    # Names the web app's models use, accepted for the record's own names.
    for alias, name in ALIASES.items():
        if alias in given:
            if name in given:
                raise RecordError("field_and_alias", field=name, alias=alias)
            given[name] = given.pop(alias)
    unknown = sorted(set(given) - set(ELECTION_FIELDS))
    if unknown:
        raise RecordError(
            "fields_not_allowed", fields=", ".join(unknown), allowed=", ".join(ELECTION_FIELDS)
        )
    for name in ("title", "kind", "ballot_type", "rule", "options"):
        if given.get(name) is None:
            raise RecordError("field_missing", field=name)
    if given["kind"] not in KINDS:
        raise RecordError("kind_unknown", kind=given["kind"], kinds=", ".join(KINDS))
    BallotKind(given["ballot_type"])  # ValueError names the bad value

    options = []
    for o in given["options"]:
        if isinstance(o, Option):
            o = {"id": o.id, "name": o.name, "cost": o.cost}
        option = {"id": o["id"], "name": o.get("name", ""), "cost": o.get("cost", 0)}
        if o.get("theme"):
            # per-theme budgets: the theme whose money can fund this proposal
            option["theme"] = str(o["theme"])
        if not isinstance(option["id"], str) or not isinstance(option["name"], str):
            raise RecordError("option_not_text", option=option["id"])
        _check_int(option["cost"], f"cost of option {option['id']!r}", minimum=0)
        options.append(option)
    if len({o["id"] for o in options}) != len(options):
        raise RecordError("option_id_twice")

    meta: dict[str, Any] = {
        "title": given["title"],
        "question": given.get("question", ""),
        "kind": given["kind"],
        "ballot_type": str(given["ballot_type"]),
        "rule": given["rule"],
        "seats": given.get("seats", 1),
        "budget": given.get("budget"),
        "options": options,
        "max_choices": given.get("max_choices"),
        "min_choices": given.get("min_choices"),
        "allow_blank": given.get("allow_blank", True),
        "turnout_threshold_percent": _exact(given.get("turnout_threshold_percent", 0)),
        "binding": given.get("binding", False),
        "roll_size": given.get("roll_size"),
        "tie_break_seed": given.get("tie_break_seed", ""),
        "voting_opens": _iso(given.get("voting_opens")),
        "voting_closes": _iso(given.get("voting_closes")),
        "municipality": given.get("municipality", ""),
    }
    # Only points ballots have a number of points to hand out; other records keep
    # their layout.
    if given.get("max_points") is not None:
        meta["max_points"] = given["max_points"]
    # Budget ballots that must spend at least this percentage of the budget (Decidim).
    if given.get("min_spend_percent"):
        meta["min_spend_percent"] = given["min_spend_percent"]
    # Per-theme budgets: [theme, amount] pairs in counting order (a JSON object would
    # lose the order to the canonical encoding), where they came from, and what
    # happens to money a theme leaves.
    if given.get("theme_budgets"):
        pairs = [[str(t), a] for t, a in given["theme_budgets"]]
        for _theme, amount in pairs:
            _check_int(amount, "theme budget", minimum=0)
        meta["theme_budgets"] = pairs
        meta["leftover"] = given.get("leftover") or "unspent"
        if given.get("theme_budgets_from"):
            meta["theme_budgets_from"] = str(given["theme_budgets_from"])
    # Equal shares: whether a blank ballot's share of the budget counts (it does).
    if given.get("blank_share") is not None:
        if given["blank_share"] != BLANK_SHARE_COUNTED:
            raise RecordError("blank_share_unknown", value=given["blank_share"])
        meta["blank_share"] = given["blank_share"]
    # Split ballots: whether the total divided is euros or points (how to read it).
    if given.get("split_unit") is not None:
        if given["split_unit"] not in ("euro", "points"):
            raise RecordError("split_unit_unknown", unit=given["split_unit"])
        meta["split_unit"] = given["split_unit"]
    # Written only when given: an id the app uses, texts a municipality may publish.
    for name in ("id", "slug"):
        if name in given:
            meta[name] = str(given[name])
    for name in ("description", "next_steps"):
        if name in given:
            meta[name] = given[name]
    for name in ("title", "question", "rule", "tie_break_seed", "municipality"):
        if not isinstance(meta[name], str):
            raise RecordError("field_not_text", field=name)
    for name in ("description", "next_steps"):
        if not isinstance(meta.get(name, ""), str):
            raise RecordError("field_not_text", field=name)
    _check_int(meta["seats"], "seats", minimum=1)
    for name in (
        "budget",
        "max_choices",
        "min_choices",
        "max_points",
        "min_spend_percent",
        "roll_size",
    ):
        if meta.get(name) is not None:
            _check_int(meta[name], name, minimum=0)
    if meta["ballot_type"] in (BallotKind.BUDGET, BallotKind.DISTRIBUTION) and not meta["budget"]:
        raise RecordError("budget_missing")
    for name in ("binding", "allow_blank"):
        if not isinstance(meta[name], bool):
            raise RecordError("field_not_bool", field=name)
    return meta


def _turnout(
    meta: dict[str, Any], cast: int, given: Mapping[str, Any], *, threshold_given: bool
) -> dict[str, Any]:
    unknown = sorted(set(given) - set(TURNOUT_FIELDS))
    if unknown:
        raise RecordError("turnout_fields_unknown", fields=", ".join(unknown))
    roll_size = given.get("roll_size", meta["roll_size"])
    if roll_size is None:
        raise RecordError("roll_size_missing")
    _check_int(roll_size, "roll_size", minimum=1)
    if meta["roll_size"] is None:
        meta["roll_size"] = roll_size
    elif meta["roll_size"] != roll_size:
        raise RecordError("roll_size_disagrees")
    if cast > roll_size:
        raise RecordError("more_ballots_than_roll", ballots=cast, roll_size=roll_size)
    threshold = Fraction(meta["turnout_threshold_percent"])
    if "threshold_percent" in given:
        given_threshold = Fraction(_exact(given["threshold_percent"]))
        if threshold_given and given_threshold != threshold:
            raise RecordError("threshold_disagrees")
        threshold = given_threshold
        meta["turnout_threshold_percent"] = str(threshold)
    figures = Turnout(cast, roll_size, threshold, bool(meta["binding"]))
    block = figures.to_dict()
    for name in ("ballots", "percent", "threshold_met"):
        if name in given and _comparable(given[name]) != _comparable(block[name]):
            raise RecordError(
                "turnout_disagrees", field=name, given=given[name], computed=block[name]
            )
    # A clerk may declare a result invalid or advisory although the figures would allow
    # more (never the other way round).
    valid = given.get("valid", figures.valid)
    if not isinstance(valid, bool):
        raise RecordError("turnout_not_bool", field="valid")
    if valid and not figures.threshold_met:
        raise RecordError("valid_below_threshold")
    binding = given.get("binding", figures.election_binding and valid)
    if not isinstance(binding, bool):
        raise RecordError("turnout_not_bool", field="binding")
    if binding and not (figures.election_binding and valid):
        raise RecordError("binding_not_allowed")
    return {**block, "valid": valid, "binding": binding}


def _comparable(value: Any) -> Any:
    if isinstance(value, bool | int):
        return value
    return Fraction(_exact(value))


def _exact(value: Any) -> str:
    """An exact number as a fraction string; floats are refused (they are not exact)."""
    if isinstance(value, bool | float):
        raise RecordError("not_exact", value=value)
    if isinstance(value, int | Fraction | Decimal):
        return str(Fraction(value))
    if isinstance(value, str):
        try:
            return str(Fraction(value))
        except (ValueError, ZeroDivisionError):
            raise RecordError("not_a_number", value=value) from None
    raise RecordError("not_a_number", value=value)


def _iso(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    raise RecordError("not_a_date", value=value)


def _check_int(value: Any, name: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RecordError("not_whole", field=name, minimum=minimum, value=value)


def stored_form(
    kind: BallotKind, ballot: Sequence[str] | Mapping[str, int], number: int
) -> tuple[list[str], list[int] | None]:
    """A ballot as the record stores it: its choices and, on split and points ballots,
    their amounts (zero amounts left out). Raises :class:`RecordError` for a weighted
    ballot without amounts (``number`` is its 1-based place)."""
    if kind in WEIGHTED_KINDS:
        if not isinstance(ballot, Mapping):
            raise RecordError("ballot_needs_amounts", ballot=number)
        pairs = sorted((c, a) for c, a in ballot.items() if a != 0)
        return [c for c, _ in pairs], [a for _, a in pairs]
    # Order carries meaning only on ranked ballots; sorting the others gives one
    # spelling per ballot, so the same ballot always has the same hash.
    return (list(ballot) if kind is BallotKind.RANKED else sorted(ballot)), None


def checked_entry(
    checker: Profile,
    number: int,
    stored: list[str],
    points: list[int] | None,
    allow_blank: bool,
) -> dict[str, Any]:
    """The record's entry for a distinct ballot, after checking it against the
    election (an error names the ballot by ``number``)."""
    check_ballot(checker, number, stored, allow_blank=allow_blank, points=points)
    entry: dict[str, Any] = {"choices": stored}
    if points is not None:
        entry["points"] = points
    entry["sha256"] = ballot_sha256(stored, points)
    return entry


def ballot_checker(meta: Mapping[str, Any]) -> Profile:
    """An empty profile with the election's options and limits (``meta`` as
    ``_election_metadata`` gives it), to check each ballot against."""
    return Profile(
        kind=BallotKind(meta["ballot_type"]),
        options=tuple(Option(o["id"], o["name"], o["cost"]) for o in meta["options"]),
        groups=(),
        budget=meta["budget"],
        max_choices=meta["max_choices"],
        min_choices=meta["min_choices"],
        max_points=meta.get("max_points"),
        min_spend=min_spend_of(meta["budget"], meta.get("min_spend_percent")),
    )


def check_result_belongs(result: Result, meta: Mapping[str, Any]) -> None:
    """Raise :class:`RecordError` if ``result`` was counted by another rule or with
    another tie-break seed than the election's."""
    if result.method != meta["rule"]:
        raise RecordError("result_rule", counted=result.method, rule=meta["rule"])
    if result.seed != meta["tie_break_seed"]:
        raise RecordError("result_seed")
