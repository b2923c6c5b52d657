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
            raise FormatError("record_not_found", path=name) from None
        except OSError as error:
            raise FormatError("record_cannot_read", path=name, error=error.strerror) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            raise FormatError("not_utf8", path=name, line=line, error=error.reason) from None
        del raw  # a record of a million ballots: not twice in memory
    text = text.removeprefix("\ufeff")
    try:
        record = json.loads(text, object_pairs_hook=_Interning(), parse_constant=no_constant)
    except json.JSONDecodeError as error:
        raise FormatError(
            "record_bad_json", path=name, line=error.lineno, error=error.msg
        ) from None
    except BadJson as error:
        # The fast parser cannot say where; the slow one can, and only runs now.
        raise FormatError(
            "record_json_not_allowed", path=name, line=line_of_error(text), error=str(error)
        ) from None
    try:
        _check_structure(record)
    except _SchemaError as error:
        line = line_of(text, error.where)
        raise FormatError(error.code, path=name, line=line, **error.params) from None
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
    """A :class:`FormatError` code and params, and the path of the JSON value at fault
    (its line is looked up only when the check fails)."""

    def __init__(self, where: tuple[str | int, ...], code: str, **params: Any) -> None:
        super().__init__(code)
        self.where = where
        self.code = code
        self.params = params


def _check_structure(record: Any) -> None:
    """Raise :class:`_SchemaError` for the first missing or mistyped field."""
    if not isinstance(record, dict):
        raise _SchemaError((), "record_not_object")
    if "format" not in record:
        raise _SchemaError((), "record_format_missing")
    if record["format"] != FORMAT:
        raise _SchemaError(
            ("format",), "record_format_unknown", given=record["format"], expected=FORMAT
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
            raise _SchemaError((*at, "theme_budgets", i), "record_theme_budget", number=i + 1)
    for name in ("budget", "max_choices", "min_choices", "max_points", "min_spend_percent"):
        _field(meta, name, int, at, optional=True)
    if meta["kind"] not in KINDS:
        raise _SchemaError(
            (*at, "kind"), "record_kind_unknown", kind=meta["kind"], kinds=", ".join(KINDS)
        )
    if meta["ballot_type"] not in set(BallotKind):
        kinds = ", ".join(k.value for k in BallotKind)
        raise _SchemaError(
            (*at, "ballot_type"),
            "record_ballot_type_unknown",
            ballot_type=meta["ballot_type"],
            kinds=kinds,
        )
    if meta["ballot_type"] == BallotKind.BUDGET and meta.get("budget") is None:
        raise _SchemaError((*at, "budget"), "record_budget_missing")
    if meta["ballot_type"] == BallotKind.DISTRIBUTION and not meta.get("budget"):
        raise _SchemaError((*at, "budget"), "record_split_total_missing")
    weighted = meta["ballot_type"] in WEIGHTED_KINDS
    try:
        Fraction(meta["turnout_threshold_percent"])
    except (ValueError, ZeroDivisionError):
        raise _SchemaError(
            (*at, "turnout_threshold_percent"), "record_threshold_not_number"
        ) from None
    ids: set[str] = set()
    for i, option in enumerate(meta["options"]):
        where = (*at, "options", i)
        if not isinstance(option, dict):
            raise _SchemaError(where, "record_option_not_object", number=i + 1)
        _field(option, "id", str, where)
        _field(option, "name", str, where, optional=True)
        _field(option, "cost", int, where, optional=True)
        _field(option, "theme", str, where, optional=True)
        if option["id"] in ids:
            raise _SchemaError(where, "record_option_id_twice", option=option["id"])
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
            raise _SchemaError(where, "record_ballot_not_object", ballot=i + 1)
        if "receipt" in ballot:
            raise _SchemaError((*where, "receipt"), "record_ballot_receipt")
        _field(ballot, "choices", list, where)
        _field(ballot, "sha256", str, where)
        for j, choice in enumerate(ballot["choices"]):
            if not isinstance(choice, str):
                raise _SchemaError(
                    (*where, "choices", j), "record_choice_not_id", ballot=i + 1, choice=choice
                )
        if weighted:
            _field(ballot, "points", list, where)
            if len(ballot["points"]) != len(ballot["choices"]):
                raise _SchemaError((*where, "points"), "record_amounts_per_choice", ballot=i + 1)
            for j, amount in enumerate(ballot["points"]):
                if not isinstance(amount, int) or isinstance(amount, bool):
                    raise _SchemaError(
                        (*where, "points", j),
                        "record_amount_not_whole",
                        ballot=i + 1,
                        amount=amount,
                    )
        elif "points" in ballot:
            raise _SchemaError((*where, "points"), "record_amounts_not_allowed", ballot=i + 1)
    for i, receipt in enumerate(record["receipts"]):
        if not isinstance(receipt, str) or not receipt:
            raise _SchemaError(("receipts", i), "record_receipt_not_text", number=i + 1)
    for name in COUNT_FIELDS:
        _field(record["counts"], name, int, ("counts",))
    for name in OPTIONAL_COUNT_FIELDS:
        _field(record["counts"], name, int, ("counts",), optional=True)
    try:
        profile_from_record(record)
    except BallotError as error:
        # The ballot error's own code and params go along, for whoever wants other words.
        raise _SchemaError(
            _bad_ballot(record, error),
            "record_bad_ballot",
            error=str(error),
            ballot_code=error.code,
            ballot_params=error.params,
        ) from None

    result = record["result"]
    at = ("result",)
    for name in ("method", "seed"):
        _field(result, name, str, at)
    _field(result, "seats", int, at)
    for name in ("winners", "rounds", "tie_breaks"):
        _field(result, name, list, at)
    for i, round_ in enumerate(result["rounds"]):
        if not isinstance(round_, dict):
            raise _SchemaError((*at, "rounds", i), "record_round_not_object", number=i + 1)

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
    codes = {
        str: "record_field_not_string",
        int: "record_field_not_whole",
        bool: "record_field_not_bool",
        list: "record_field_not_list",
        dict: "record_field_not_object",
    }
    if name not in obj:
        if optional:
            return
        raise _SchemaError(where, "record_field_missing", field=_label((*where, name)))
    value = obj[name]
    if value is None and optional:
        return
    # bool is an int in Python but not in a record
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        label = _label((*where, name))
        raise _SchemaError((*where, name), codes[kind], field=label, value=json.dumps(value)[:40])
