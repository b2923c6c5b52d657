"""Check a published panel record: the signature, the invitation sample, every
portfolio panel's quotas, the probabilities, the draw and the replacements.

    python tools/verify_panel.py RECORD.json [--key PUBLIC_KEY] [--cross-check]

Needs only Python and ``ballots/`` (and ``cryptography`` for the signature). With
``--cross-check`` it also recomputes the leximin probabilities from the record's
respondents and quotas (needs ``highspy``) and compares them with the published ones,
and, when ``sortition-algorithms`` is installed, checks that no respondent's
published lowest probability is below that package's maximin. Exit status 0 only if
everything agrees, 1 if something does not, 2 if the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots.panels.record import check_record, read_quotas, read_respondents
from tools.verify import Unreadable, _read_key, check_signature

TOLERANCE = 1e-6  # the portfolio's whole-number weights round each share by < 1e-9


def cross_check(record: dict) -> list[str]:
    """Problems found by recomputing the probabilities independently of the record."""
    try:
        from ballots.panels.leximin import leximin
    except ImportError:
        return ["cannot cross-check: the Python package 'highspy' is not installed"]
    from ballots.panels.model import group_profiles

    respondents = list(read_respondents(record).values())
    quotas = read_quotas(record)
    categories = sorted({q.category for q in quotas})
    households = any(r.household for r in respondents)
    profiles = group_profiles(respondents, categories, households=households)
    ours = leximin(profiles, quotas, int(record["panel"]["seats"])).portfolio.probabilities()
    stated = {k: Fraction(v) for k, v in record["probabilities"].items()}
    problems = [
        f"{rid}: published probability {float(p):.6f}, recomputed {float(ours[rid]):.6f}"
        for rid, p in stated.items()
        if abs(float(p) - float(ours[rid])) > TOLERANCE
    ]
    try:
        from tools.sortition_oracle import available, oracle_maximin
    except ImportError:
        return problems
    if available():
        theirs = oracle_maximin(respondents, quotas, int(record["panel"]["seats"]))
        if float(min(stated.values())) < min(theirs.values()) - TOLERANCE:
            problems.append("the lowest probability is below sortition-algorithms' maximin")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run the checks and print one line per check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record")
    parser.add_argument("--key", help="the municipality's public key (PEM)")
    parser.add_argument("--cross-check", action="store_true")
    args = parser.parse_args(argv)
    try:
        record = json.loads(Path(args.record).read_text(encoding="utf-8"))
        key = _read_key(args.key) if args.key else None
    except (OSError, ValueError) as error:
        print(f"{args.record}: cannot read: {error}", file=sys.stderr)
        return 2
    except Unreadable as error:
        print(str(error), file=sys.stderr)
        return 2
    failed = False
    signature = check_signature(record, key, key_path=args.key)
    print(f"signature: {'ok' if signature.passed else 'FAILED'}")
    for line in signature.problems + signature.info:
        print(f"  {line}")
    failed |= not signature.passed
    try:
        problems = check_record(record)
    except (KeyError, TypeError, ValueError) as error:
        print(f"{args.record}: not a readable panel record: {error}", file=sys.stderr)
        return 2
    outcome = "ok" if not problems else "FAILED"
    print(f"sample, portfolio, probabilities, draw, replacements: {outcome}")
    for line in problems:
        print(f"  {line}")
    failed |= bool(problems)
    if args.cross_check:
        extra = cross_check(record)
        print(f"cross-check of the probabilities: {'ok' if not extra else 'FAILED'}")
        for line in extra[:10]:
            print(f"  {line}")
        failed |= bool(extra)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
