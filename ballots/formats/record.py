"""The published election record: one JSON document per certified election.

A record holds the election's metadata, every accepted ballot (receipt code and
choices, sorted by receipt, nothing else), the certified result, the turnout, and a
signature over a canonical encoding. Anyone can check it with ``tools/verify.py`` and
recount it with ``tools/recount.py``; both need only this package.

Layout (``"format": "buurtstem-record/1"``)::

    {
      "format": "buurtstem-record/1",
      "election": {id, slug, title, question, description, next_steps, kind,
                   ballot_type, rule, seats, budget, options: [{id, name, cost}],
                   max_choices, min_choices, allow_blank, turnout_threshold_percent,
                   binding, roll_size, tie_break_seed, voting_opens, voting_closes,
                   municipality},
      "tie_break_procedure": "...",     # ballots.tiebreak.PROCEDURE
      "hash_procedure": "...",          # how the hashes below are made
      "ballots": [{"receipt": str, "choices": [option id, ...], "sha256": hex}, ...],
      "ballots_sha256": hex,
      "result": Result.to_dict(),
      "turnout": {ballots, roll_size, percent, threshold_percent, threshold_met,
                  valid, binding},
      "signature": {algorithm, public_key, key_fingerprint, value}   # added later
    }

Exact numbers (percentages, tallies) are fraction strings such as ``"1175/36"``;
the record holds no floats. Signing is not done here (this package is standard library
only) but in ``voting.signing``; the signature covers :func:`canonical_bytes`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import json.scanner
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

from ballots.formats.errors import FormatError
from ballots.methods import count
from ballots.model import BallotError, BallotKind, Option, Profile
from ballots.result import Result
from ballots.tiebreak import PROCEDURE

FORMAT = "buurtstem-record/1"
KINDS = ("referendum", "budget")
SIGNATURE_FIELDS = ("algorithm", "public_key", "key_fingerprint", "value")

HASH_PROCEDURE = (
    "Each ballot's sha256 is SHA-256 over the UTF-8 JSON array [receipt, [choices...]] "
    'written without spaces, e.g. ["K7QM-3XD9-PA2F-W8RT-6",["2","1"]]. '
    "ballots_sha256 is SHA-256 over the ballots' sha256 values in record order, each "
    "followed by a newline. The signature covers the whole record without its "
    "'signature' field, encoded as JSON with sorted keys, no spaces, UTF-8."
)

# The election fields a record may carry. Anything else is refused rather than
# published: a record must never leak a field nobody meant to make public.
_ELECTION_FIELDS = (
    "id",
    "slug",
    "title",
    "question",
    "description",
    "next_steps",
    "kind",
    "ballot_type",
    "rule",
    "seats",
    "budget",
    "options",
    "max_choices",
    "min_choices",
    "allow_blank",
    "turnout_threshold_percent",
    "binding",
    "roll_size",
    "tie_break_seed",
    "voting_opens",
    "voting_closes",
    "municipality",
)
_ALIASES = {"proposals": "options", "opens_at": "voting_opens", "closes_at": "voting_closes"}
_TURNOUT_FIELDS = (
    "ballots",
    "roll_size",
    "percent",
    "threshold_percent",
    "threshold_met",
    "valid",
    "binding",
)


# --- hashing and canonical form -------------------------------------------------------


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """The canonical encoding the signature covers: JSON with sorted keys, no
    whitespace, UTF-8, of ``record`` without its top-level ``"signature"`` field.

    The signature is left out here (rather than by every caller) so that nobody can
    sign or hash a record that contains its own signature by mistake.
    """
    unsigned = {k: v for k, v in record.items() if k != "signature"}
    return json.dumps(
        unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_sha256(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_bytes`: the record's fingerprint, the same
    before and after signing."""
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def ballot_sha256(receipt: str, choices: Sequence[str]) -> str:
    """The hash a resident looks up: SHA-256 over the canonical JSON array
    ``[receipt, [choices...]]``. ``choices`` as stored in the record (sorted for every
    ballot type but ranked)."""
    data = json.dumps([receipt, list(choices)], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def ballots_sha256(ballot_hashes: Iterable[str]) -> str:
    """SHA-256 over the ballot hashes in order, each followed by a newline (so
    ``jq -r '.ballots[].sha256' record.json | sha256sum`` gives the same value)."""
    digest = hashlib.sha256()
    for h in ballot_hashes:
        digest.update(h.encode("ascii") + b"\n")
    return digest.hexdigest()


# --- building -------------------------------------------------------------------------


def build_record(
    *,
    election: Mapping[str, Any],
    ballots: Iterable[tuple[str, Sequence[str]]],
    result: Result,
    turnout: Mapping[str, Any],
) -> dict[str, Any]:
    """Build the (unsigned) election record.

    ``election`` holds the metadata (see the module docstring; ``proposals`` is
    accepted for ``options``, ``opens_at``/``closes_at`` for ``voting_opens``/
    ``voting_closes``; options may be dicts or :class:`Option`; dates may be
    ``date``/``datetime`` or ISO strings). ``ballots`` are ``(receipt, choices)`` pairs
    in any order; they are validated against the options and sorted by receipt.
    ``turnout`` may give ``roll_size`` and ``threshold_percent`` when ``election`` does
    not, ``valid`` (default: threshold met), ``binding`` (default: election binding and
    valid), and any computed value (``ballots``, ``percent``, ``threshold_met``), which
    must then agree with the computation.

    Raises ``ValueError`` (or its subclass :class:`BallotError`) for unknown fields,
    bad values, duplicate receipts, invalid ballots, or a result that does not belong
    to this election (other rule or seed).
    """
    meta = _election_metadata(election)
    options = tuple(Option(o["id"], o["name"], o["cost"]) for o in meta["options"])
    kind = BallotKind(meta["ballot_type"])
    checker = Profile(
        kind=kind,
        options=options,
        groups=(),
        budget=meta["budget"],
        max_choices=meta["max_choices"],
        min_choices=meta["min_choices"],
    )
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for receipt, choices in ballots:
        if not isinstance(receipt, str) or not receipt:
            raise ValueError(f"receipt {receipt!r} is not a non-empty string")
        if receipt in seen:
            raise ValueError(f"receipt {receipt!r} appears twice")
        seen.add(receipt)
        # Order carries meaning only on ranked ballots; sorting the others gives one
        # spelling per ballot, so the same ballot always has the same hash.
        stored = list(choices) if kind is BallotKind.RANKED else sorted(choices)
        _check_ballot(checker, receipt, stored, allow_blank=meta["allow_blank"])
        entries.append({"receipt": receipt, "choices": stored})
    entries.sort(key=lambda e: e["receipt"])
    for entry in entries:
        entry["sha256"] = ballot_sha256(entry["receipt"], entry["choices"])

    if result.method != meta["rule"]:
        raise ValueError(
            f"result was counted with {result.method!r}, election rule is {meta['rule']!r}"
        )
    if result.seed != meta["tie_break_seed"]:
        raise ValueError("result was counted with another tie-break seed than the election's")

    record: dict[str, Any] = {
        "format": FORMAT,
        "election": meta,
        "tie_break_procedure": PROCEDURE,
        "hash_procedure": HASH_PROCEDURE,
        "ballots": entries,
        "ballots_sha256": ballots_sha256(e["sha256"] for e in entries),
        "result": result.to_dict(),
        "turnout": _turnout(
            meta,
            len(entries),
            turnout,
            threshold_given="turnout_threshold_percent" in election,
        ),
    }
    # Fail here, not when the clerk publishes: the record must encode canonically.
    canonical_bytes(record)
    return record


def _election_metadata(election: Mapping[str, Any]) -> dict[str, Any]:
    given = dict(election)
    # Names the web app's models use, accepted for the record's own names.
    for alias, name in _ALIASES.items():
        if alias in given:
            if name in given:
                raise ValueError(f"give either {name} or {alias}, not both")
            given[name] = given.pop(alias)
    unknown = sorted(set(given) - set(_ELECTION_FIELDS))
    if unknown:
        raise ValueError(
            f"election fields not allowed in a record: {', '.join(unknown)} "
            f"(allowed: {', '.join(_ELECTION_FIELDS)})"
        )
    for name in ("title", "kind", "ballot_type", "rule", "options"):
        if given.get(name) is None:
            raise ValueError(f"election field {name!r} is missing")
    if given["kind"] not in KINDS:
        raise ValueError(f"election kind must be one of {', '.join(KINDS)}")
    BallotKind(given["ballot_type"])  # ValueError names the bad value

    options = []
    for o in given["options"]:
        if isinstance(o, Option):
            o = {"id": o.id, "name": o.name, "cost": o.cost}
        option = {"id": o["id"], "name": o.get("name", ""), "cost": o.get("cost", 0)}
        if not isinstance(option["id"], str) or not isinstance(option["name"], str):
            raise ValueError(f"option {option['id']!r}: id and name must be strings")
        _check_int(option["cost"], f"cost of option {option['id']!r}", minimum=0)
        options.append(option)
    if len({o["id"] for o in options}) != len(options):
        raise ValueError("two options share an id")

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
    # Written only when given: an id the app uses, texts a municipality may publish.
    for name in ("id", "slug"):
        if name in given:
            meta[name] = str(given[name])
    for name in ("description", "next_steps"):
        if name in given:
            meta[name] = given[name]
    for name in ("title", "question", "rule", "tie_break_seed", "municipality"):
        if not isinstance(meta[name], str):
            raise ValueError(f"election field {name!r} must be a string")
    for name in ("description", "next_steps"):
        if not isinstance(meta.get(name, ""), str):
            raise ValueError(f"election field {name!r} must be a string")
    _check_int(meta["seats"], "seats", minimum=1)
    for name in ("budget", "max_choices", "min_choices", "roll_size"):
        if meta[name] is not None:
            _check_int(meta[name], name, minimum=0)
    if meta["ballot_type"] == BallotKind.BUDGET and meta["budget"] is None:
        raise ValueError("a budget ballot needs a budget")
    for name in ("binding", "allow_blank"):
        if not isinstance(meta[name], bool):
            raise ValueError(f"election field {name!r} must be true or false")
    return meta


def _turnout(
    meta: dict[str, Any], cast: int, given: Mapping[str, Any], *, threshold_given: bool
) -> dict[str, Any]:
    unknown = sorted(set(given) - set(_TURNOUT_FIELDS))
    if unknown:
        raise ValueError(f"turnout fields not known: {', '.join(unknown)}")
    roll_size = given.get("roll_size", meta["roll_size"])
    if roll_size is None:
        raise ValueError("the roll size is missing (election or turnout 'roll_size')")
    _check_int(roll_size, "roll_size", minimum=1)
    if meta["roll_size"] is None:
        meta["roll_size"] = roll_size
    elif meta["roll_size"] != roll_size:
        raise ValueError("turnout and election disagree on the roll size")
    if cast > roll_size:
        raise ValueError(f"{cast} ballots but only {roll_size} voters on the roll")
    threshold = Fraction(meta["turnout_threshold_percent"])
    if "threshold_percent" in given:
        given_threshold = Fraction(_exact(given["threshold_percent"]))
        if threshold_given and given_threshold != threshold:
            raise ValueError("turnout and election disagree on the threshold")
        threshold = given_threshold
        meta["turnout_threshold_percent"] = str(threshold)
    percent = Fraction(100 * cast, roll_size)
    met = percent >= threshold
    computed = {"ballots": cast, "percent": str(percent), "threshold_met": met}
    for name, value in computed.items():
        if name in given and _comparable(given[name]) != _comparable(value):
            raise ValueError(f"turnout {name} is {given[name]!r}, but the ballots give {value!r}")
    valid = given.get("valid", met)
    if not isinstance(valid, bool):
        raise ValueError("turnout 'valid' must be true or false")
    if valid and not met:
        raise ValueError("a result below the turnout threshold cannot be valid")
    binding = given.get("binding", meta["binding"] and valid)
    if not isinstance(binding, bool):
        raise ValueError("turnout 'binding' must be true or false")
    if binding and not (meta["binding"] and valid):
        raise ValueError("only a valid result of a binding election can be binding")
    return {
        "ballots": cast,
        "roll_size": roll_size,
        "percent": str(percent),
        "threshold_percent": str(threshold),
        "threshold_met": met,
        "valid": valid,
        "binding": binding,
    }


def _comparable(value: Any) -> Any:
    if isinstance(value, bool | int):
        return value
    return Fraction(_exact(value))


def _exact(value: Any) -> str:
    """An exact number as a fraction string; floats are refused (they are not exact)."""
    if isinstance(value, bool | float):
        raise ValueError(f"{value!r} is not an exact number; use an int, Decimal or string")
    if isinstance(value, int | Fraction | Decimal):
        return str(Fraction(value))
    if isinstance(value, str):
        try:
            return str(Fraction(value))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a number") from None
    raise ValueError(f"{value!r} is not a number")


def _iso(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    raise ValueError(f"{value!r} is not a date")


def _check_int(value: Any, name: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")


def write_record(record: Mapping[str, Any]) -> str:
    """The record as the text to publish: JSON with sorted keys, UTF-8 characters as
    they are, one ballot per line and the rest indented, and a final newline.

    The layout keeps error messages' line numbers useful and a resident's ballot on
    one line; the signature covers :func:`canonical_bytes`, not this layout.
    """
    others = {k: v for k, v in record.items() if k != "ballots"}
    rest = json.dumps(others, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    if "ballots" not in record:
        return rest + "\n"
    lines = [
        "  " + json.dumps(b, sort_keys=True, ensure_ascii=False, allow_nan=False)
        for b in record["ballots"]
    ]
    block = ' "ballots": [\n' + ",\n".join(lines) + "\n ]" if lines else ' "ballots": []'
    # "ballots" sorts before every other top-level key, so it opens the object.
    return "{\n" + block + (",\n" + rest[2:] if others else "\n}") + "\n"


# --- counting -------------------------------------------------------------------------


def profile_from_record(record: Mapping[str, Any]) -> Profile:
    """The :class:`Profile` of the record's ballots, with its options, budget and
    choice limits. Raises :class:`BallotError` naming the receipt of a bad ballot."""
    meta = record["election"]
    options = [Option(o["id"], o.get("name", ""), o.get("cost", 0)) for o in meta["options"]]
    kind = BallotKind(meta["ballot_type"])
    profile = Profile.build(
        kind,
        options,
        (b["choices"] for b in record["ballots"]),
        budget=meta.get("budget"),
        max_choices=meta.get("max_choices"),
        min_choices=meta.get("min_choices"),
        validate=False,
    )
    # Checked one by one, not per group, so that the error names a receipt.
    allow_blank = meta.get("allow_blank", True)
    for ballot in record["ballots"]:
        _check_ballot(profile, ballot["receipt"], ballot["choices"], allow_blank=allow_blank)
    return profile


def _check_ballot(
    profile: Profile, receipt: str, choices: Sequence[str], *, allow_blank: bool
) -> None:
    where = f"ballot {receipt}"
    if not choices and not allow_blank:
        raise BallotError(f"{where}: blank, but this election does not allow blank votes")
    profile.check_ballot(choices, where=where)


def recount_record(
    record: Mapping[str, Any],
    *,
    method: str | None = None,
    seats: int | None = None,
    seed: str | None = None,
) -> Result:
    """Recount the record's ballots with its rule, seats and tie-break seed (or the
    given overrides) through :func:`ballots.methods.count`."""
    meta = record["election"]
    return count(
        profile_from_record(record),
        method if method is not None else meta["rule"],
        seats=seats if seats is not None else meta["seats"],
        seed=seed if seed is not None else meta["tie_break_seed"],
    )


# --- checks ---------------------------------------------------------------------------


def check_ballot_hashes(record: Mapping[str, Any]) -> list[str]:
    """One line per ballot whose ``sha256`` does not match its receipt and choices."""
    return [
        f"ballot hash mismatch for receipt {b['receipt']}"
        for b in record["ballots"]
        if ballot_sha256(b["receipt"], b["choices"]) != b["sha256"]
    ]


def check_ballots_sha256(record: Mapping[str, Any]) -> list[str]:
    """A line if ``ballots_sha256`` does not match the ballots' own hashes."""
    expected = ballots_sha256(b["sha256"] for b in record["ballots"])
    if expected == record["ballots_sha256"]:
        return []
    return [
        "the hash over all ballots (ballots_sha256) does not match the ballots: "
        "ballots were added, removed, reordered or changed"
    ]


def check_receipts(record: Mapping[str, Any]) -> list[str]:
    """Lines for receipts that appear more than once or are out of order."""
    problems = []
    receipts = [b["receipt"] for b in record["ballots"]]
    for before, after in pairwise(receipts):
        if before == after:
            problems.append(f"receipt {after} appears more than once")
        elif before > after:
            problems.append(f"receipts not sorted: {before} comes before {after}")
    return problems


def check_turnout(record: Mapping[str, Any]) -> list[str]:
    """Lines where the turnout block disagrees with the ballots and the election."""
    meta, turnout = record["election"], record["turnout"]
    problems = []
    cast = len(record["ballots"])
    if turnout["ballots"] != cast:
        problems.append(f"turnout says {turnout['ballots']} ballots, the record holds {cast}")
    if turnout["roll_size"] != meta["roll_size"]:
        problems.append("turnout and election disagree on the roll size")
    if turnout["threshold_percent"] != meta["turnout_threshold_percent"]:
        problems.append("turnout and election disagree on the turnout threshold")
    if isinstance(meta["roll_size"], int) and meta["roll_size"] > 0:
        percent = Fraction(100 * cast, meta["roll_size"])
        met = percent >= Fraction(meta["turnout_threshold_percent"])
        if turnout["percent"] != str(percent):
            problems.append(
                f"turnout says {turnout['percent']} percent, the ballots give {percent}"
            )
        if turnout["threshold_met"] is not met:
            problems.append(
                f"turnout says threshold met is {turnout['threshold_met']}, it is {met}"
            )
        if turnout["valid"] and not met:
            problems.append("the result is marked valid although the threshold was not met")
    if turnout["binding"] and not (meta["binding"] and turnout["valid"]):
        problems.append(
            "the result is marked binding, but the election is not binding or not valid"
        )
    return problems


def compare_results(certified: Mapping[str, Any], recounted: Result) -> list[str]:
    """Lines where a recount differs from the certified ``record["result"]``: method,
    seed, winners, each round, tie breaks. Empty if they agree."""
    # Through JSON so that tuples in details compare equal to the lists read back.
    mine = json.loads(json.dumps(recounted.to_dict()))
    problems = []
    if mine["winners"] != certified.get("winners"):
        problems.append(
            f"recount gives winners {mine['winners']} but the record says "
            f"{certified.get('winners')}"
        )
    for name in ("method", "seats", "seed"):
        if mine[name] != certified.get(name):
            problems.append(
                f"recount used {name} {mine[name]!r}, the record says {certified.get(name)!r}"
            )
    theirs = certified.get("rounds", [])
    if len(mine["rounds"]) != len(theirs):
        problems.append(f"recount has {len(mine['rounds'])} rounds, the record has {len(theirs)}")
    for ours, cert in zip(mine["rounds"], theirs, strict=False):
        if ours != cert:
            problems.append(f"round {ours['number']} differs: {_first_difference(cert, ours)}")
    if mine["tie_breaks"] != certified.get("tie_breaks"):
        problems.append("recount breaks ties differently from the record")
    if mine["details"] != certified.get("details", {}):
        problems.append("recount details (e.g. money spent) differ from the record")
    return problems


def _first_difference(cert: Any, ours: Any, where: str = "") -> str:
    """Where two JSON values first differ, in words."""
    if isinstance(cert, dict) and isinstance(ours, dict):
        for key in sorted(set(cert) | set(ours), key=str):
            if cert.get(key) != ours.get(key):
                return _first_difference(cert.get(key), ours.get(key), f"{where}.{key}".lstrip("."))
    if isinstance(cert, list) and isinstance(ours, list) and len(cert) == len(ours):
        for i, (a, b) in enumerate(zip(cert, ours, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
    return f"{where or 'value'} is {ours!r} in the recount, {cert!r} in the record"


# --- reading --------------------------------------------------------------------------


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
    text = text.removeprefix("\ufeff")
    try:
        record = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise FormatError(f"bad JSON: {error.msg}", path=name, line=error.lineno) from None
    except _BadJson as error:
        # The fast parser cannot say where; the slow one can, and only runs now.
        raise FormatError(str(error), path=name, line=_locate_error(text)) from None
    try:
        _check_structure(record)
    except _SchemaError as error:
        raise FormatError(error.reason, path=name, line=_locate(text, error.where)) from None
    return record


class _BadJson(ValueError):
    """JSON that parses but that a record may not contain."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(reason)
        self.position = position


class _SchemaError(ValueError):
    def __init__(self, where: tuple[str | int, ...], reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A signed document with a key twice could be read two ways; refuse it.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _BadJson(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _BadJson(f"{name} is not a number a record may hold")


def _tracked_parse(text: str) -> tuple[Any, dict[int, int]]:
    """Parse with the pure-Python scanner, noting where each object and array starts.

    Returns the value and a map from ``id(container)`` to its start offset. Raises
    :class:`_BadJson` with the position of the innermost object being read.
    """
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    starts: dict[int, int] = {}
    parse_object, parse_array = decoder.parse_object, decoder.parse_array

    def tracked(parse: Callable[..., tuple[Any, int]]) -> Callable[..., tuple[Any, int]]:
        def wrapper(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
            start = s_and_end[1] - 1
            try:
                value, end = parse(s_and_end, *args)
            except _BadJson as error:
                if error.position is None:
                    error.position = start
                raise
            starts[id(value)] = start
            return value, end

        return wrapper

    decoder.parse_object = tracked(parse_object)  # type: ignore[method-assign]
    decoder.parse_array = tracked(parse_array)  # type: ignore[method-assign]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[method-assign]
    return decoder.decode(text), starts


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _locate_error(text: str) -> int | None:
    try:
        _tracked_parse(text)
    except _BadJson as error:
        return None if error.position is None else _line_at(text, error.position)
    return None


def _locate(text: str, where: tuple[str | int, ...]) -> int | None:
    """Best-effort line of the value at ``where`` (keys and indexes from the root): the
    line of the deepest object or array on the way, or of the key that holds a plain
    value."""
    try:
        value, starts = _tracked_parse(text)
    except (ValueError, RecursionError):
        return None
    position = starts.get(id(value), 0)
    for step in where:
        try:
            child = value[step]
        except (KeyError, IndexError, TypeError):
            break
        if id(child) in starts and isinstance(child, dict | list):
            position = starts[id(child)]
        elif isinstance(value, dict) and isinstance(step, str):
            match = re.compile(re.escape(json.dumps(step, ensure_ascii=False)) + r"\s*:").search(
                text, position
            )
            if match:
                position = match.start()
            break
        else:
            break
        value = child
    return _line_at(text, position)


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
    for name in ("budget", "max_choices", "min_choices"):
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
        if option["id"] in ids:
            raise _SchemaError(where, f"option id {option['id']!r} appears twice")
        ids.add(option["id"])

    for i, ballot in enumerate(record["ballots"]):
        where = ("ballots", i)
        if not isinstance(ballot, dict):
            raise _SchemaError(where, f"ballot {i + 1} is not an object")
        _field(ballot, "receipt", str, where)
        _field(ballot, "choices", list, where)
        _field(ballot, "sha256", str, where)
        for j, choice in enumerate(ballot["choices"]):
            if not isinstance(choice, str):
                raise _SchemaError(
                    (*where, "choices", j),
                    f"ballot {ballot['receipt']}: choice {choice!r} is not an option id",
                )
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


def _label(where: tuple[str | int, ...]) -> str:
    """``("ballots", 3, "receipt")`` -> ``"ballots[4].receipt"`` (1-based, as people count)."""
    text = ""
    for step in where:
        text += f"[{step + 1}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def _bad_ballot(record: dict[str, Any], error: BallotError) -> tuple[str | int, ...]:
    """The path of the ballot a :class:`BallotError` from :func:`profile_from_record`
    names (by receipt)."""
    message = str(error)
    for i, ballot in enumerate(record["ballots"]):
        if message.startswith(f"ballot {ballot['receipt']}:"):
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
    label = _label((*where, name))
    if name not in obj:
        if optional:
            return
        raise _SchemaError(where, f"field {label!r} is missing")
    value = obj[name]
    if value is None and optional:
        return
    # bool is an int in Python but not in a record
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _SchemaError(
            (*where, name), f"field {label!r} must be {words[kind]}, not {json.dumps(value)[:40]}"
        )
