"""Reading a published record: the JSON, the format tag, every field's presence and
type, and every ballot against the election's options and limits."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from ballots.formats.errors import FormatError
from ballots.model import WEIGHTED_KINDS, BallotError, BallotKind
from ballots.record.layout import (
    COUNT_FIELDS,
    FORMAT,
    KINDS,
    OPTIONAL_COUNT_FIELDS,
    SIGNATURE_FIELDS,
)
from ballots.record.locate import BadJson, line_of, line_of_error, no_constant, unique_keys
from ballots.record.profile import profile_from_record


def read_record(path: str | Path, *, text: str | None = None) -> dict[str, Any]:
    """Read and structurally check a published record.

    Checks the JSON, the format tag, the presence and types of every field, and that
    every ballot is valid for the election's options and limits. It does not check
    hashes, the signature or the result (see the ``check_*`` functions and
    ``tools/verify.py``). ``text`` is the file's content if already read.

    Raises :class:`FormatError` naming the file, the line and what is wrong.
    """
    name = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise FormatError("file not found", path=name) from None
        except OSError as error:
            raise FormatError(f"cannot read: {error.strerror}", path=name) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            raise FormatError(f"not UTF-8 text ({error.reason})", path=name, line=line) from None
        del raw  # a record of a million ballots: not twice in memory
    text = text.removeprefix("\ufeff")
    try:
        record = json.loads(text, object_pairs_hook=_Interning(), parse_constant=no_constant)
    except json.JSONDecodeError as error:
        raise FormatError(f"bad JSON: {error.msg}", path=name, line=error.lineno) from None
    except BadJson as error:
        # The fast parser cannot say where; the slow one can, and only runs now.
        raise FormatError(str(error), path=name, line=line_of_error(text)) from None
    try:
        _check_structure(record)
    except _SchemaError as error:
        raise FormatError(error.reason, path=name, line=line_of(text, error.where)) from None
    return record


class _Interning:
    """:func:`unique_keys`, and one shared dict for equal ballot entries: a record of a
    million ballots holds a few thousand distinct ones, and the checks, the recount
    and the canonical bytes then do each distinct ballot's work once (nothing changes
    a record's entries after reading)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[Any, ...], dict[str, Any]] = {}

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = unique_keys(pairs)
        if not 2 <= len(pairs) <= 3 or "choices" not in result or "sha256" not in result:
            return result
        try:
            key = tuple((k, tuple(v) if type(v) is list else v) for k, v in pairs)
            return self.seen.setdefault(key, result)
        except TypeError:  # an unhashable value: a malformed entry, kept as it is
            return result


class _SchemaError(ValueError):
    def __init__(self, where: tuple[str | int, ...], reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason


def _check_structure(record: Any) -> None:
    """Raise :class:`_SchemaError` for the first missing or mistyped field."""
    if not isinstance(record, dict):
        raise _SchemaError((), "a record must be a JSON object")
    if "format" not in record:
        raise _SchemaError((), "not a Buurtstem election record: field 'format' is missing")
    if record["format"] != FORMAT:
        raise _SchemaError(
            ("format",), f"unsupported record format {record['format']!r}, expected {FORMAT!r}"
        )
    for name, kind in (
        ("election", dict),
        ("ballots", list),
        ("ballots_sha256", str),
        ("receipts", list),
        ("receipts_sha256", str),
        ("counts", dict),
        ("result", dict),
        ("turnout", dict),
    ):
        _field(record, name, kind, ())

    meta = record["election"]
    at = ("election",)
    for name in (
        "title",
        "kind",
        "ballot_type",
        "rule",
        "tie_break_seed",
        "turnout_threshold_percent",
    ):
        _field(meta, name, str, at)
    _field(meta, "seats", int, at)
    _field(meta, "roll_size", int, at)
    _field(meta, "binding", bool, at)
    _field(meta, "allow_blank", bool, at, optional=True)
    _field(meta, "options", list, at)
    _field(meta, "theme_budgets", list, at, optional=True)
    _field(meta, "leftover", str, at, optional=True)
    for i, pair in enumerate(meta.get("theme_budgets") or ()):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not isinstance(pair[0], str)
            or not isinstance(pair[1], int)
            or isinstance(pair[1], bool)
        ):
            raise _SchemaError(
                (*at, "theme_budgets", i), f"theme budget {i + 1} is not [theme, whole amount]"
            )
    for name in ("budget", "max_choices", "min_choices", "max_points", "min_spend_percent"):
        _field(meta, name, int, at, optional=True)
    if meta["kind"] not in KINDS:
        raise _SchemaError(
            (*at, "kind"), f"election kind {meta['kind']!r} is not one of {', '.join(KINDS)}"
        )
    if meta["ballot_type"] not in set(BallotKind):
        kinds = ", ".join(k.value for k in BallotKind)
        raise _SchemaError(
            (*at, "ballot_type"), f"ballot type {meta['ballot_type']!r} is not one of {kinds}"
        )
    if meta["ballot_type"] == BallotKind.BUDGET and meta.get("budget") is None:
        raise _SchemaError((*at, "budget"), "a budget election needs a budget")
    if meta["ballot_type"] == BallotKind.DISTRIBUTION and not meta.get("budget"):
        raise _SchemaError((*at, "budget"), "a split election needs the total to split (budget)")
    weighted = meta["ballot_type"] in WEIGHTED_KINDS
    try:
        Fraction(meta["turnout_threshold_percent"])
    except (ValueError, ZeroDivisionError):
        raise _SchemaError(
            (*at, "turnout_threshold_percent"), "turnout threshold is not a number"
        ) from None
    ids: set[str] = set()
    for i, option in enumerate(meta["options"]):
        where = (*at, "options", i)
        if not isinstance(option, dict):
            raise _SchemaError(where, f"option {i + 1} is not an object")
        _field(option, "id", str, where)
        _field(option, "name", str, where, optional=True)
        _field(option, "cost", int, where, optional=True)
        _field(option, "theme", str, where, optional=True)
        if option["id"] in ids:
            raise _SchemaError(where, f"option id {option['id']!r} appears twice")
        ids.add(option["id"])

    # Copies of a ballot are one shared entry (_Interning): each is checked once.
    well_formed: set[int] = set()
    for i, ballot in enumerate(record["ballots"]):
        if id(ballot) in well_formed:
            continue
        if _well_formed_ballot(ballot, weighted):
            well_formed.add(id(ballot))  # the record keeps it alive, so its id stays its own
            continue  # the common case, checked quickly; the rest below names the problem
        where = ("ballots", i)
        if not isinstance(ballot, dict):
            raise _SchemaError(where, f"ballot {i + 1} is not an object")
        if "receipt" in ballot:
            raise _SchemaError(
                (*where, "receipt"), "a ballot must not carry a receipt (receipts are listed apart)"
            )
        _field(ballot, "choices", list, where)
        _field(ballot, "sha256", str, where)
        for j, choice in enumerate(ballot["choices"]):
            if not isinstance(choice, str):
                raise _SchemaError(
                    (*where, "choices", j),
                    f"ballot {i + 1}: choice {choice!r} is not an option id",
                )
        if weighted:
            _field(ballot, "points", list, where)
            if len(ballot["points"]) != len(ballot["choices"]):
                raise _SchemaError(
                    (*where, "points"), f"ballot {i + 1}: one amount per choice is needed"
                )
            for j, amount in enumerate(ballot["points"]):
                if not isinstance(amount, int) or isinstance(amount, bool):
                    raise _SchemaError(
                        (*where, "points", j),
                        f"ballot {i + 1}: amount {amount!r} is not a whole number",
                    )
        elif "points" in ballot:
            raise _SchemaError(
                (*where, "points"),
                f"ballot {i + 1}: only split and points ballots give amounts",
            )
    for i, receipt in enumerate(record["receipts"]):
        if not isinstance(receipt, str) or not receipt:
            raise _SchemaError(("receipts", i), f"receipt {i + 1} is not a non-empty string")
    for name in COUNT_FIELDS:
        _field(record["counts"], name, int, ("counts",))
    for name in OPTIONAL_COUNT_FIELDS:
        _field(record["counts"], name, int, ("counts",), optional=True)
    try:
        profile_from_record(record)
    except BallotError as error:
        raise _SchemaError(_bad_ballot(record, error), str(error)) from None

    result = record["result"]
    at = ("result",)
    for name in ("method", "seed"):
        _field(result, name, str, at)
    _field(result, "seats", int, at)
    for name in ("winners", "rounds", "tie_breaks"):
        _field(result, name, list, at)
    for i, round_ in enumerate(result["rounds"]):
        if not isinstance(round_, dict):
            raise _SchemaError((*at, "rounds", i), f"round {i + 1} is not an object")

    turnout = record["turnout"]
    at = ("turnout",)
    for name in ("ballots", "roll_size"):
        _field(turnout, name, int, at)
    for name in ("percent", "threshold_percent"):
        _field(turnout, name, str, at)
    for name in ("threshold_met", "valid", "binding"):
        _field(turnout, name, bool, at)

    if "signature" in record:
        _field(record, "signature", dict, ())
        for name in SIGNATURE_FIELDS:
            _field(record["signature"], name, str, ("signature",))


def _well_formed_ballot(ballot: Any, weighted: bool) -> bool:
    """True if ``ballot`` passes every check of :func:`_check_structure`'s ballot loop:
    a dict with a list of strings as ``choices``, a string ``sha256``, no receipt,
    and ``points`` (whole numbers, one per choice) exactly when ``weighted``. A
    million ballots are checked in a fraction of a second this way."""
    if type(ballot) is not dict or "receipt" in ballot:
        return False
    choices = ballot.get("choices")
    if type(choices) is not list or type(ballot.get("sha256")) is not str:
        return False
    if not all(type(c) is str for c in choices):
        return False
    if not weighted:
        return "points" not in ballot
    points = ballot.get("points")
    return (
        type(points) is list and len(points) == len(choices) and all(type(a) is int for a in points)
    )


def _label(where: tuple[str | int, ...]) -> str:
    """``("ballots", 3, "receipt")`` -> ``"ballots[4].receipt"`` (1-based, as people count)."""
    text = ""
    for step in where:
        text += f"[{step + 1}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def _bad_ballot(record: dict[str, Any], error: BallotError) -> tuple[str | int, ...]:
    """The path of the ballot a :class:`BallotError` from :func:`profile_from_record`
    names (by its place)."""
    number = error.params.get("ballot")
    for i in range(len(record["ballots"])):
        if number == i + 1:
            return ("ballots", i)
    return ("ballots",)


def _field(
    obj: dict[str, Any],
    name: str,
    kind: type,
    where: tuple[str | int, ...],
    *,
    optional: bool = False,
) -> None:
    words = {
        str: "a string",
        int: "a whole number",
        bool: "true or false",
        list: "a list",
        dict: "an object",
    }
    if name not in obj:
        if optional:
            return
        raise _SchemaError(where, f"field {_label((*where, name))!r} is missing")
    value = obj[name]
    if value is None and optional:
        return
    # bool is an int in Python but not in a record
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        label = _label((*where, name))
        raise _SchemaError(
            (*where, name), f"field {label!r} must be {words[kind]}, not {json.dumps(value)[:40]}"
        )
