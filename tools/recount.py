#!/usr/bin/env python3
"""Recount an election from a BLT file, a pabulib .pb file or a published record.

    python tools/recount.py INPUT [--method M] [--seats N] [--seed S] [--json]

INPUT is a ``.blt`` file (ranked ballots; default method ``stv``, seats from the
file), a pabulib ``.pb`` file (default: the rule its META ``rule`` names, by the
pabulib names of the registry in ``ballots.methods``, else ``greedy``), or a Buurtstem
election record ``.json`` (which names its own method, seats and tie-break seed;
options given here override them, with a warning). ``--json`` prints one JSON object:
method, seats, winners (candidate names for BLT files, ids otherwise), rounds,
tie_breaks and the SHA-256 of the input file.
Without it, a readable round-by-round report.

Bad input ends with exit status 2 and one line on standard error naming the file, the
line and what is wrong. This script needs only Python and the ``ballots`` package of
this checkout: nothing to install.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

# Run from a plain checkout: the repository root holds the ballots package.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from ballots.formats.errors import FormatError  # noqa: E402
from ballots.methods import RULES, count, from_pabulib  # noqa: E402
from ballots.methods.themes import ThemeBudgets  # noqa: E402
from ballots.model import BallotError, Option, Profile  # noqa: E402
from ballots.result import Result  # noqa: E402
from ballots.tiebreak import PROCEDURE  # noqa: E402
from tools._script import OneLineParser, fail, run  # noqa: E402

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1

# A .pb file whose META names no rule we know is counted greedily, as most pabulib
# instances were.
PB_DEFAULT_RULE = "greedy"


class InputError(Exception):
    """Bad input: ``str(error)`` is the one line to print."""


@dataclass
class Election:
    """What the recount needs from any input: the profile, the count's settings,
    and labels for the report."""

    kind: str  # "blt", "pb" or "record"
    profile: Profile
    method: str
    seats: int
    seed: str
    title: str = ""
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # for the report
    warnings: list[str] = field(default_factory=list)  # also on standard error
    themes: ThemeBudgets | None = None  # a record's per-theme budgets


def main(argv: list[str] | None = None) -> int:
    """Run the recount; return the exit status (0, 1 internal error, 2 bad input)."""
    args = _parser().parse_args(argv)
    path = args.input
    # Readable output even where the terminal cannot show every name.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        raw = _read_bytes(path)
        election = load(path, raw, method=args.method, seats=args.seats, seed=args.seed)
        if election.method not in RULES:  # from --method, or named by a record
            known = ", ".join(sorted(RULES))
            raise InputError(f"{path}: unknown method {election.method!r}; known methods: {known}")
    except (InputError, FormatError) as error:
        return fail(str(error), EXIT_BAD_INPUT)
    except (BallotError, ValueError) as error:
        return fail(f"{path}: {error}", EXIT_BAD_INPUT)
    except RecursionError:
        return fail(f"{path}: input nested too deeply", EXIT_BAD_INPUT)
    except Exception as error:
        # A reader stumbled over something it did not foresee: still a file it cannot
        # read, so bad input, and the one line says what the reader met.
        reason = f"{type(error).__name__}: {error}"
        return fail(f"{path}: cannot read this file ({reason})", EXIT_BAD_INPUT)

    for warning in election.warnings:
        print(f"warning: {path}: {warning}", file=sys.stderr)
    try:
        result = _count(path, election)
    except InputError as error:
        return fail(str(error), EXIT_BAD_INPUT)
    except (BallotError, ValueError) as error:  # e.g. a ranked rule on approval ballots
        return fail(f"{path}: {error}", EXIT_BAD_INPUT)
    except Exception as error:  # a bug, not bad input; still one line, no traceback
        return fail(f"{path}: internal error: {type(error).__name__}: {error}", EXIT_INTERNAL)
    if not result.decided:
        print(f"warning: {path}: no ballot names any option: no result", file=sys.stderr)

    sha256 = hashlib.sha256(raw).hexdigest()
    if args.json:
        print(json.dumps(summary(election, result, sha256)))
    else:
        print(report(path, election, result, sha256))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="recount.py",
        description="Recount an election from a .blt, .pb or election record .json file.",
    )
    parser.add_argument("input", help="a .blt, .pb or record .json file")
    parser.add_argument("--method", help=f"counting rule: {', '.join(sorted(RULES))}")
    parser.add_argument("--seats", type=_positive, help="number of seats to fill")
    parser.add_argument(
        "--seed",
        help="tie-break seed (default: the one the record or a Buurtstem .pb file names, "
        "else empty)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("seats must be at least 1")
    return value


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None


def _decode(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise FormatError("not_utf8", path=path, line=line, error=error.reason) from None


def input_kind(path: str, text: str) -> str:
    """``"blt"``, ``"pb"`` or ``"record"``: by the file's extension, else its content."""
    suffix = Path(path).suffix.lower()
    kinds = {".blt": "blt", ".pb": "pb", ".json": "record"}
    if suffix in kinds:
        return kinds[suffix]
    start = text.lstrip()
    if start.startswith("{"):
        return "record"
    if start[:4].upper() == "META":
        return "pb"
    return "blt"


def load(
    path: str,
    raw: bytes,
    *,
    method: str | None = None,
    seats: int | None = None,
    seed: str | None = None,
) -> Election:
    """Read ``raw`` (the bytes of ``path``) as a BLT, pabulib or record file and settle
    the method, seats and seed. Raises :class:`FormatError` or :class:`InputError`."""
    text = _decode(path, raw)
    kind = input_kind(path, text)
    if kind == "blt":
        from ballots.formats.blt import read_blt

        blt = read_blt(path, text=text)
        names = blt_labels(blt.profile.options)
        election = Election(
            "blt",
            blt.profile,
            method or "stv",
            seats or blt.seats,
            seed or "",
            title=blt.title,
            names=names,
        )
        if blt.withdrawn:
            election.notes.append(f"withdrawn candidates: {', '.join(blt.withdrawn)}")
        shared = sorted({o.name for o in blt.profile.options if names[o.id] != o.name})
        for name in shared:
            election.warnings.append(
                f"two or more candidates are called {name!r}: they are told apart by their "
                "candidate number"
            )
        return election
    if kind == "pb":
        from ballots.formats.pabulib import read_pb
        from ballots.record.exchange import seats_from_pb

        pb = read_pb(path, text=text)
        named = from_pabulib(pb.meta.get("rule", ""))
        chosen = method or (named.name if named else PB_DEFAULT_RULE)
        title = " ".join(
            pb.meta[k] for k in ("country", "unit", "subunit", "instance") if pb.meta.get(k)
        )
        return Election(
            "pb",
            pb.profile,
            chosen,
            seats or (seats_from_pb(chosen, pb.budget) if chosen in RULES else 1),
            # Buurtstem's own .pb files name the seed their ties were broken with.
            seed if seed is not None else pb.meta.get("tie_break_seed", ""),
            title=title or pb.meta.get("description", ""),
            names={o.id: o.name for o in pb.profile.options},
        )
    from ballots.record import profile_from_record, read_record
    from ballots.record.check import themes_from_record

    record = read_record(path, text=text)
    meta = record["election"]
    election = Election(
        "record",
        profile_from_record(record),
        meta["rule"],
        meta["seats"],
        meta["tie_break_seed"],
        title=meta["title"],
        names={o["id"]: o.get("name", "") for o in meta["options"]},
        themes=themes_from_record(record),
    )
    if election.themes is not None:
        budgets = ", ".join(f"{t} {a}" for t, a in election.themes.budgets.items())
        election.notes.append(
            f"budget per theme: {budgets}; money a theme leaves: {election.themes.leftover}"
        )
    # The record names its own settings; overriding them is allowed (what-if counts)
    # but never silently.
    for name, value, current in (
        ("method", method, election.method),
        ("seats", seats, election.seats),
        ("seed", seed, election.seed),
    ):
        if value is not None and value != current:
            election.warnings.append(
                f"--{name} {value!r} overrides the record's {name} {current!r}"
            )
            setattr(election, name, value)
    return election


def blt_labels(options: Iterable[Option]) -> dict[str, str]:
    """Each BLT candidate's label: the name, with the candidate number added where
    several candidates share one name (or a candidate has none), so that every winner
    and every line of the report names one candidate."""
    options = list(options)
    seen = Counter(o.name for o in options)
    return {
        o.id: o.name if o.name and seen[o.name] == 1 else f"{o.name} (candidate {o.id})".lstrip()
        for o in options
    }


# The notes of the ranked rules that start with an option id, or name one after
# "surplus of": for BLT files the report puts the candidate's name there.
_NOTE_OPTION = re.compile(r"^(?:surplus of )?(?P<id>\S+)(?= \(| has | is )")


def named_note(note: str, election: Election, label: Callable[[str], str]) -> str:
    """A round's note with the option it is about named as everywhere else in the
    report (BLT files: by the candidate's name, not their number)."""
    found = _NOTE_OPTION.match(note)
    if election.kind != "blt" or not found or found["id"] not in election.names:
        return note
    return note[: found.start("id")] + label(found["id"]) + note[found.end("id") :]


def _count(path: str, election: Election) -> Result:
    try:
        return count(
            election.profile,
            election.method,
            seats=election.seats,
            seed=election.seed,
            themes=election.themes,
        )
    except ImportError:
        raise InputError(
            f"{path}: method {election.method!r} is not available in this checkout"
        ) from None


def winners_out(election: Election, result: Result) -> list[str]:
    """Winners as the contract wants them: names for BLT files, ids otherwise."""
    if election.kind == "blt":
        return [election.names.get(w) or w for w in result.winners]
    return list(result.winners)


def summary(election: Election, result: Result, input_sha256: str) -> dict[str, Any]:
    """The ``--json`` object."""
    data = result.to_dict()
    return {
        "method": result.method,
        "seats": result.seats,
        "winners": winners_out(election, result),
        "rounds": data["rounds"],
        "tie_breaks": data["tie_breaks"],
        "warnings": [str(w) for w in result.warnings],
        "input_sha256": input_sha256,
    }


# --- the readable report --------------------------------------------------------------


def number(value: Fraction | str) -> str:
    """An exact number for people: whole numbers as they are, others with five
    decimals, marked ``~`` when the five decimals are not exact."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    shown = Decimal(value.numerator) / Decimal(value.denominator)
    shown = shown.quantize(Decimal("0.00001"), rounding=ROUND_DOWN)
    return str(shown) if Fraction(shown) == value else f"~{shown}"


def report(path: str, election: Election, result: Result, input_sha256: str) -> str:
    """The round-by-round report printed without ``--json``."""

    def label(option_id: str) -> str:
        name = election.names.get(option_id, "")
        if not name or name == option_id:
            return option_id
        name = name if len(name) <= 60 else name[:57] + "..."
        return name if election.kind == "blt" else f"{name} [{option_id}]"

    profile = election.profile
    lines = [f"Recount of {path}"]
    if election.title:
        lines.append(f"  title:        {election.title}")
    lines += [
        f"  input sha256: {input_sha256}",
        f"  method:       {result.method}",
        f"  seats:        {result.seats}",
        f"  seed:         {result.seed!r}",
        f"  ballots:      {profile.total} ({len(profile.groups)} different)",
        f"  options:      {len(profile.options)}",
    ]
    if profile.budget is not None:
        lines.append(f"  budget:       {profile.budget}")
    for note in election.notes + election.warnings:
        lines.append(f"  note:         {note}")
    if not result.decided:
        lines += [
            "",
            "NO RESULT: no ballot names any option (no ballots, or only blank ones).",
            "There is nothing to decide: nobody is elected or funded, and nothing is drawn.",
        ]

    for rnd in result.rounds:
        lines += ["", f"Round {rnd.number}"]
        if rnd.note:
            lines.append(f"  {named_note(rnd.note, election, label)}")
        if rnd.tallies:
            width = max(len(label(o)) for o in rnd.tallies)
            ordered = sorted(rnd.tallies.items(), key=lambda kv: (-kv[1], kv[0]))
            for option_id, votes in ordered:
                lines.append(f"    {label(option_id):<{width}}  {number(votes):>14}")
        if rnd.exhausted:
            lines.append(f"  exhausted so far: {number(rnd.exhausted)}")
        if rnd.elected:
            lines.append(f"  elected:    {', '.join(label(o) for o in rnd.elected)}")
        if rnd.eliminated:
            lines.append(f"  eliminated: {', '.join(label(o) for o in rnd.eliminated)}")
        for source, moved in rnd.transfers.items():
            parts = [
                f"{'exhausted' if dst == 'exhausted' else label(dst)} +{number(v)}"
                for dst, v in moved.items()
            ]
            lines.append(f"  transfer from {label(source)}: {', '.join(parts) or 'nothing'}")
        for tie in rnd.tie_breaks:
            lines.append(
                f"  tie break ({tie.purpose}): {', '.join(label(t) for t in tie.tied)} "
                f"were level; the draw chose {label(tie.chosen)}"
            )
            for tied, key in zip(tie.tied, tie.keys, strict=False):
                lines.append(f"    key of {label(tied)}: {key}")

    # Ties broken outside the rounds shown: equal shares' trial runs with a higher share
    # per voter, which decide how far the shares are raised.
    in_rounds = {t for rnd in result.rounds for t in rnd.tie_breaks}
    others = [t for t in result.tie_breaks if t not in in_rounds]
    if others:
        lines += ["", "Ties broken in trial runs with a higher share per voter (they decide"]
        lines.append("how far the shares are raised):")
        for tie in others:
            lines.append(
                f"  step {tie.round}: {', '.join(label(t) for t in tie.tied)} were level; "
                f"the draw chose {label(tie.chosen)}"
            )
            for tied, key in zip(tie.tied, tie.keys, strict=False):
                lines.append(f"    key of {label(tied)}: {key}")

    splits = result.method in RULES and RULES[result.method].splits
    if splits:
        lines += split_report(result, label)
    else:
        lines += ["", "Winners, in order of election:"]
        lines += [f"  {i}. {label(w)}" for i, w in enumerate(result.winners, start=1)] or ["  none"]
    if profile.budget is not None and not splits:
        spent = sum(profile.option(w).cost for w in result.winners)
        lines.append(f"Cost of the winners: {spent} of the budget {profile.budget}")
    lines.append(f"Ties broken: {len(result.tie_breaks)} (seed {result.seed!r})")
    lines.append(f"Tie-break procedure: {PROCEDURE}")
    return "\n".join(lines)


def split_report(result: Result, label: Callable[[str], str]) -> list[str]:
    """The lines of a split (distribution) result: every theme's whole amount and exact
    share of the total, largest first, and for the phantom median the ``t`` and the
    phantom positions that give each theme its median."""
    details = result.details
    if details.get("no_result"):
        return ["", "No split was handed in: there is no outcome."]
    total = details["total"]
    lines = ["", f"Split of the total {total} (whole amounts by largest remainder):"]
    width = max((len(label(t)) for t in result.winners), default=0)
    for theme in result.winners:
        share = Fraction(details["shares"][theme])
        lines.append(
            f"  {label(theme):<{width}}  {details['amounts'][theme]:>10}  "
            f"(share {share}, {number(share * 100)}%)"
        )
    lines.append(f"Splits counted: {details['splits']}, blank ballots: {details['blank']}")
    if "t" in details:
        lines.append(f"Phantoms at t = {details['t']}: {', '.join(details['phantoms'])}")
        lines.append(
            "Each theme's share is the median of the residents' shares and these phantoms."
        )
    return lines


if __name__ == "__main__":
    run(main)
