#!/usr/bin/env python3
"""Verify a published Buurtstem election record.

    python tools/verify.py RECORD.json [--key PUBLIC_KEY] [--cross-check]

Checks, and reports one by one:

1. the Ed25519 signature over the record (with ``--key``: by that PEM public key;
   without: by the key embedded in the record, whose fingerprint you then compare
   with the one the municipality publishes);
2. every ballot's hash, the ballots' canonical order, and the hash over all ballots;
3. that receipts are unique and sorted, and their hash;
4. that the counts agree: ballots cast = receipts = online + paper = ballots with
   choices + blank + invalid = the turnout;
5. that the turnout figures follow from the ballots and the roll;
6. a recount with this checkout's ``ballots`` package: winners, every round and every
   tie break must equal the certified result;
7. with ``--cross-check``: a recount by an independent implementation (pyrankvote
   for irv/stv, pabutools for greedy/mes/mes-add1, on points ballots with the points
   as utilities) where installed; for a split (distribution) every theme's share is
   recomputed by hand from the ballots and the published ``t``. A budget funded per
   theme has no independent implementation and is skipped with a note.

Exit status 0 if everything agrees, 1 if a check fails, 2 if the input cannot be read,
3 if every check passed but no ``--key`` was given: the signature was then checked
only against the key the record names itself, which anyone forging a record would
name too, so the record is not verified until its key is the municipality's.
Needs Python, the ``ballots`` package of this checkout and ``cryptography``; the
cross-check libraries are optional. It does not import the web app.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import random
import sys
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

# Run from a plain checkout: the repository root holds the ballots package.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from ballots.formats.errors import FormatError  # noqa: E402
from ballots.methods import RULES, UnknownRule  # noqa: E402
from ballots.model import BallotError, Profile  # noqa: E402
from ballots.record import (  # noqa: E402
    RECORD_CHECKS,
    canonical_bytes,
    compare_results,
    profile_from_record,
    read_record,
    recount_record,
)
from ballots.result import Result  # noqa: E402
from tools._script import OneLineParser, fail, run  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE, EXIT_KEY_UNCHECKED = 0, 1, 2, 3
# The rules pyrankvote implements (every budget rule is recounted by pabutools).
PYRANKVOTE_RULES = ("irv", "stv")
SHOWN_PER_CHECK = 10  # more failures of one kind would only bury the first ones


class Unreadable(Exception):
    """Input that cannot be read: ``str(error)`` is the one line to print."""


@dataclass
class Check:
    """One check's outcome: what it checked, what went wrong, and what to know."""

    name: str
    problems: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    skipped: bool = False

    @property
    def passed(self) -> bool:
        """True unless there is a problem."""
        return not self.problems


def main(argv: list[str] | None = None) -> int:
    """Verify the record; return the exit status."""
    args = _parser().parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        record = read_record(args.record)
        key = _read_key(args.key) if args.key else None
    except FormatError as error:
        return fail(str(error))
    except Unreadable as error:
        return fail(str(error))

    # The canonical bytes once: the signature covers them, the fingerprint hashes them
    # (a million ballots make 120 MB).
    body = canonical_bytes(record)
    checks = [
        check_signature(record, key, key_path=args.key, canonical=body),
        *(Check(name, check(record)) for name, check in RECORD_CHECKS),
    ]
    recount, result = check_recount(record)
    checks.append(recount)
    if args.cross_check:
        checks.append(cross_check(record, result))

    print(f"Verifying {args.record}")
    print(f"  election: {record['election']['title']}")
    print(f"  record sha256 (without signature): {hashlib.sha256(body).hexdigest()}")
    del body
    counts = record["counts"]
    print(
        f"  ballots cast: {counts['cast']} ({counts['online']} online"
        + (f" of which {counts['desk']} at a town-hall desk" if "desk" in counts else "")
        + f", {counts['paper']} on "
        f"paper; {counts['votes']} with choices, {counts['blank']} blank, "
        f"{counts['invalid']} invalid); receipts: {len(record['receipts'])}"
    )
    for check in checks:
        status = "skip" if check.skipped else "ok" if check.passed else "FAIL"
        print(f"[{status:>4}] {check.name}")
        for line in check.problems[:SHOWN_PER_CHECK]:
            print(f"       {line}")
        if len(check.problems) > SHOWN_PER_CHECK:
            print(f"       ... and {len(check.problems) - SHOWN_PER_CHECK} more")
        for line in check.info:
            print(f"       {line}")
    failed = [c for c in checks if not c.passed]
    if failed:
        print(f"VERIFICATION FAILED: {len(failed)} of {len(checks)} checks failed.")
        return EXIT_FAILED
    if key is None:
        fingerprint = hashlib.sha256(
            base64.b64decode(record["signature"]["public_key"])
        ).hexdigest()
        print(
            "NOT VERIFIED: the record is intact and its result follows from its ballots, "
            "but it is signed by a key this run did not check against the municipality's."
        )
        print(
            "  Get the municipality's public key: on its results page, 'Sleutel' "
            "(/uitslag/sleutel.pem), and check that its fingerprint (SHA-256)"
        )
        print(
            f"  is {fingerprint}, the same as the municipality publishes "
            "elsewhere (its own website, the council papers)."
        )
        print(f"  Then run: python tools/verify.py {args.record} --key buurtstem-public-key.pem")
        return EXIT_KEY_UNCHECKED
    print("All checks passed: the record is intact and its result follows from its ballots.")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="verify.py", description="Verify a Buurtstem election record.")
    parser.add_argument("record", help="the election record (.json)")
    parser.add_argument("--key", help="the municipality's public key (PEM file)")
    parser.add_argument(
        "--cross-check",
        action="store_true",
        help="also recount with pyrankvote (irv, stv) or pabutools (greedy, mes, mes-add1)",
    )
    return parser


# --- the signature --------------------------------------------------------------------


def _read_key(path: str) -> bytes:
    """The raw 32-byte Ed25519 public key in the PEM file at ``path`` (a bare base64
    key, as in the record, is accepted too)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise Unreadable(f"{path}: cannot read the key: {error.strerror}") from None
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise Unreadable(
            f"{path}: cannot check a key: the Python package 'cryptography' is not installed"
        ) from None
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError:
            raise Unreadable(f"{path}: not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise Unreadable(f"{path}: not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise Unreadable(f"{path}: not an Ed25519 public key (PEM or base64)")
    return raw


def check_signature(
    record: dict[str, Any],
    key: bytes | None,
    *,
    key_path: str | None,
    canonical: bytes | None = None,
) -> Check:
    """Check the record's Ed25519 signature, against ``key`` (raw public key bytes) if
    given, else against the key embedded in the record. ``canonical`` is the record's
    canonical_bytes when the caller has them already."""
    # The same check as voting.signing.verify_signature, written out again because a
    # resident's checkout has no web app to import it from.
    check = Check("signature")
    signature = record.get("signature")
    if signature is None:
        check.problems.append("the record is not signed")
        return check
    if signature["algorithm"] != "Ed25519":
        check.problems.append(f"unknown signature algorithm {signature['algorithm']!r}")
        return check
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        check.problems.append(
            "cannot check the signature: the Python package 'cryptography' is not installed"
        )
        return check
    try:
        embedded = base64.b64decode(signature["public_key"], validate=True)
        value = base64.b64decode(signature["value"], validate=True)
        Ed25519PublicKey.from_public_bytes(embedded)
    except (ValueError, binascii.Error):
        check.problems.append("the signature or its public key is not valid base64 Ed25519 data")
        return check
    embedded_print = hashlib.sha256(embedded).hexdigest()
    if signature["key_fingerprint"] != embedded_print:
        check.problems.append("the key fingerprint in the record does not belong to its public key")

    try:
        Ed25519PublicKey.from_public_bytes(key if key is not None else embedded).verify(
            value, canonical if canonical is not None else canonical_bytes(record)
        )
        valid = True
    except InvalidSignature:
        valid = False

    if key is None:
        if not valid:
            check.problems.append("signature does not match: the record was changed after signing")
        check.info.append(
            f"trusted the public key embedded in the record; its fingerprint is {embedded_print}"
        )
        check.info.append(
            "compare it with the fingerprint your municipality publishes on its website, "
            "or run again with --key PUBLIC_KEY"
        )
        return check
    given_print = hashlib.sha256(key).hexdigest()
    if valid:
        check.info.append(f"signed by the key in {key_path} (fingerprint {given_print})")
        if key != embedded:
            check.problems.append(
                f"the signature is by your key, but the record names another key "
                f"(fingerprint {embedded_print})"
            )
    elif key != embedded:
        check.problems.append(
            f"signed with a different key (fingerprint {embedded_print}), not with the key "
            f"in {key_path} (fingerprint {given_print})"
        )
    else:
        check.problems.append("signature does not match: the record was changed after signing")
    return check


# --- the recount ----------------------------------------------------------------------


def check_recount(record: dict[str, Any]) -> tuple[Check, Result | None]:
    """Recount with this checkout's rules and compare with the certified result."""
    meta = record["election"]
    check = Check(
        f"recount ({meta['rule']}, seats {meta['seats']}, seed {meta['tie_break_seed']!r})"
    )
    try:
        result = recount_record(record)
    except ImportError:
        check.problems.append(f"cannot recount: rule {meta['rule']!r} is not in this checkout")
        return check, None
    except UnknownRule as error:
        check.problems.append(f"recount failed: {error}")
        return check, None
    except (BallotError, ValueError) as error:
        check.problems.append(f"recount failed: {error}")
        return check, None
    check.problems += compare_results(record["result"], result)
    if check.passed:
        check.info.append(
            f"winners {list(result.winners)}, {len(result.rounds)} rounds and "
            f"{len(result.tie_breaks)} tie breaks agree with the record"
        )
    return check, result


def cross_check(record: dict[str, Any], result: Result | None) -> Check:
    """Recount with an independent implementation, if one is installed for the rule.

    A disagreement fails the check only where the other implementation counts by the
    same rule and no tie had to be broken; otherwise it is reported as a note.
    """
    rule = record["election"]["rule"]
    check = Check(f"cross-check ({rule})")
    certified = list(record["result"]["winners"])
    had_ties = bool(record["result"]["tie_breaks"])
    profile = profile_from_record(record)
    seats, seed = record["election"]["seats"], record["election"]["tie_break_seed"]
    known = RULES.get(rule)
    if "no_votes" in record["result"].get("warnings", ()):
        # Other libraries elect or fund by lot here; we decide nothing.
        check.skipped = True
        check.info.append("no ballot names any option: there is no result to compare")
        return check
    if known is not None and known.splits:
        return _check_split(record, check)
    if record["election"].get("theme_budgets"):
        # pabutools counts one budget; the recount above checks the count per theme.
        check.skipped = True
        check.info.append(
            "the budget is funded per theme: no independent implementation counts that; "
            "skipped (the recount checks it)"
        )
        return check
    if rule in PYRANKVOTE_RULES:
        library, count_independently = "pyrankvote", _pyrankvote
    elif known is not None and known.budget:
        library, count_independently = "pabutools", _pabutools
    else:
        check.skipped = True
        check.info.append(f"no independent implementation of {rule!r} is known; skipped")
        return check
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # their deprecation notices are not ours
            theirs = count_independently(rule, profile, seats, seed)
    except ImportError:
        check.skipped = True
        check.info.append(f"{library} is not installed (pip install {library}); skipped")
        return check
    same = sorted(theirs) == sorted(certified)
    # Ranked rules elect in an order both sides agree on; budget rules fund a set.
    ranked = known is not None and not known.budget
    order = "" if ranked or theirs == certified else " (in another order)"
    if same:
        check.info.append(f"{library} agrees: winners {sorted(theirs)}{order}")
        return check
    message = f"{library} gives winners {sorted(theirs)}, the record says {sorted(certified)}"
    if rule == "stv":
        check.info.append(f"note: {message}")
        check.info.append(
            "this may be legitimate: pyrankvote's STV uses the quota votes/(seats+1) in "
            "floating point, moves surpluses and eliminates differently, and breaks ties "
            "by later preferences and at random, where the record follows the Scottish rules"
        )
    elif had_ties:
        check.info.append(f"note: {message}")
        check.info.append(
            f"this may be legitimate: the count needed {len(record['result']['tie_breaks'])} "
            f"tie break(s), and {library} may see or break ties in its own way"
        )
    else:
        check.problems.append(f"{message}, and no tie can explain the difference")
    return check


def _check_split(record: dict[str, Any], check: Check) -> Check:
    """Check a split result by hand, the way a reader of the record would: every
    ballot's share of the total, then for the mean their average and for the phantom
    median, at the record's own ``t``, the median of the shares and the phantoms
    ``min(t * (n - k), 1)``; the shares must be the record's and add up to 1. This
    does not use the counting code (no other library implements these rules)."""
    meta, details = record["election"], record["result"]["details"]
    total = Fraction(meta["budget"])
    ids = [o["id"] for o in meta["options"]]
    splits = []
    for ballot in record["ballots"]:
        given = dict(zip(ballot["choices"], ballot.get("points") or (), strict=False))
        if given:
            splits.append([Fraction(given.get(i, 0)) / total for i in ids])
    n = len(splits)
    if n == 0:
        check.info.append("only blank ballots: no split to check")
        return check
    if meta["rule"] == "distribution-mean":
        mine = [sum(s[j] for s in splits) / n for j in range(len(ids))]
        how = "the average of the splits"
    else:
        t = Fraction(details["t"])
        phantoms = [min(t * (n - k), Fraction(1)) for k in range(n + 1)]
        if [str(p) for p in phantoms] != list(details["phantoms"]):
            check.problems.append("the phantom positions do not follow from the record's t")
        mine = [sorted([s[j] for s in splits] + phantoms)[n] for j in range(len(ids))]
        how = f"the median of the splits and the phantoms at t = {t}"
    if sum(mine) != 1:
        check.problems.append(f"the shares by hand add up to {sum(mine)}, not 1")
    theirs = [Fraction(details["shares"][i]) for i in ids]
    if mine != theirs:
        differ = [i for i, a, b in zip(ids, mine, theirs, strict=True) if a != b]
        check.problems.append(f"by hand, the shares of {', '.join(differ)} differ from the record")
    else:
        check.info.append(f"every theme's share is {how}, and they add up to the whole")
    return check


def _pyrankvote(rule: str, profile: Profile, seats: int, seed: str) -> list[str]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    # pyrankvote breaks ties by later preferences, then from the global generator; it
    # cannot follow the published draw, but seeding makes a rerun give the same answer.
    random.seed(seed)
    candidates = {option_id: Candidate(option_id) for option_id in profile.option_ids}
    ballots = [
        Ballot([candidates[c] for c in group.choices])
        for group in profile.groups
        for _ in range(group.count)
    ]
    if rule == "irv":
        outcome = pyrankvote.instant_runoff_voting(list(candidates.values()), ballots)
    else:
        outcome = pyrankvote.single_transferable_vote(
            list(candidates.values()), ballots, number_of_seats=seats
        )
    return [c.name for c in outcome.get_winners()]


def _pabutools(rule: str, profile: Profile, seats: int, seed: str) -> list[str]:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )
    from pabutools.tiebreaking import TieBreakingRule

    # The published draw, written out here rather than imported, so that this count
    # shares nothing with ours but the procedure: the smallest SHA-256(seed:id) first.
    draw = TieBreakingRule(
        lambda instance, ballots, project: hashlib.sha256(
            f"{seed}:{project.name}".encode()
        ).hexdigest()
    )

    projects = {o.id: Project(o.id, o.cost) for o in profile.options}
    instance = Instance(projects.values(), budget_limit=profile.budget or 0)
    if profile.kind == "points" and rule in ("greedy", "mes"):
        # Points ballots: the points are the utilities (pabutools' cumulative ballots
        # with Additive_Cardinal_Sat), as our greedy and equal shares count them.
        from pabutools.election import Additive_Cardinal_Sat, CumulativeBallot, CumulativeProfile

        cumulative = CumulativeProfile(
            [
                CumulativeBallot(
                    {projects[c]: p for c, p in zip(group.choices, group.points or (), strict=True)}
                )
                for group in profile.groups
                for _ in range(group.count)
            ],
            instance=instance,
        )
        run = greedy_utilitarian_welfare if rule == "greedy" else method_of_equal_shares
        found = run(instance, cumulative, sat_class=Additive_Cardinal_Sat, tie_breaking=draw)
        return [p.name for p in found]
    ballots = ApprovalProfile(
        [
            ApprovalBallot(projects[c] for c in group.choices)
            for group in profile.groups
            for _ in range(group.count)
        ],
        instance=instance,
    )
    # Greedy with cost satisfaction orders by approvals (satisfaction/cost), the rule of
    # DESIGN.md; MES with cost utilities, and add1 completion then greedy for mes-add1.
    options = {"sat_class": Cost_Sat, "tie_breaking": draw}
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, ballots, **options)
    elif rule == "mes":
        outcome = method_of_equal_shares(instance, ballots, **options)
    elif not len(ballots):
        # No voters, no shares to raise (a budget step of 0 would never end): equal
        # shares funds nothing, and mes-add1 then spends the budget greedily.
        outcome = (
            [] if rule != "mes-add1" else greedy_utilitarian_welfare(instance, ballots, **options)
        )
    elif rule == "mes-add1-until-over-budget":
        # Raise every voter's share by one unit (the budget by the number of voters)
        # while the outcome fits, even past exhaustive outcomes; keep the last that fits.
        outcome = exhaustion_by_budget_increase(
            instance,
            ballots,
            method_of_equal_shares,
            options,
            exhaustive_stop=False,
            budget_step=len(ballots),
        )
    else:
        # Raise every share by one unit until the outcome is exhaustive (over every
        # project, also unsupported or free ones) or would cost too much; then greedy.
        outcome = completion_by_rule_combination(
            instance,
            ballots,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            # Each rule gets its own copy: pabutools writes into the parameters it is
            # given, and a shared dict hands greedy a second initial_budget_allocation.
            [
                {
                    "rule": method_of_equal_shares,
                    "rule_params": dict(options),
                    "budget_step": len(ballots),
                },
                dict(options),
            ],
        )
    return [p.name for p in outcome]


if __name__ == "__main__":
    run(main)
