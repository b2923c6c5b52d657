"""The published election record: one JSON document per certified election.

A record holds the election's metadata, every counted ballot (its choices only, in a
canonical order: sorted by their JSON), the receipts as a separate sorted list (a
receipt proves a ballot was counted, never which), the counts by channel and kind,
the certified result, the turnout, and a signature over a canonical encoding.
Anyone can check it with ``tools/verify.py`` and recount it with ``tools/recount.py``;
both need only this package.

One module per job: :mod:`~ballots.record.layout` (the fields),
:mod:`~ballots.record.canonical` (the canonical encoding, the hashes, the published
layout), :mod:`~ballots.record.build`, :mod:`~ballots.record.read` (with
:mod:`~ballots.record.locate` for line numbers), :mod:`~ballots.record.profile` (the
ballots as a profile) and :mod:`~ballots.record.check` (hashes, receipts, turnout,
recount).

Layout (``"format": "buurtstem-record/2"``)::

    {
      "format": "buurtstem-record/2",
      "election": {id, slug, title, question, description, next_steps, kind,
                   ballot_type, rule, seats, budget, options: [{id, name, cost}],
                   max_choices, min_choices, allow_blank, turnout_threshold_percent,
                   binding, roll_size, tie_break_seed, voting_opens, voting_closes,
                   municipality},
      "tie_break_procedure": "...",     # ballots.tiebreak.PROCEDURE
      "hash_procedure": "...",          # how the hashes below are made
      "ballots": [{"choices": [option id, ...], "sha256": hex}, ...],
      "ballots_sha256": hex,
      "receipts": [str, ...],           # sorted, one per ballot cast
      "receipts_sha256": hex,
      "counts": {cast, online, paper, votes, blank, invalid[, desk]},  # desk: of online
      "result": Result.to_dict(),
      "turnout": {ballots, roll_size, percent, threshold_percent, threshold_met,
                  valid, binding},
      "signature": {algorithm, public_key, key_fingerprint, value}   # added later
    }

Exact numbers (percentages, tallies) are fraction strings such as ``"1175/36"``;
the record holds no floats. Signing is not done here (this package is standard library
only) but in ``voting.signing``; the signature covers :func:`canonical_bytes`.
"""

from ballots.record.build import build_record
from ballots.record.canonical import (
    ballot_sha256,
    ballots_sha256,
    canonical_bytes,
    record_sha256,
    write_record,
)
from ballots.record.check import (
    RECORD_CHECKS,
    check_ballot_hashes,
    check_ballots_sha256,
    check_counts,
    check_receipts,
    check_turnout,
    compare_results,
    recount_record,
)
from ballots.record.layout import FORMAT, HASH_PROCEDURE, KINDS, SIGNATURE_FIELDS
from ballots.record.profile import profile_from_record
from ballots.record.read import read_record

__all__ = [
    "FORMAT",
    "HASH_PROCEDURE",
    "KINDS",
    "RECORD_CHECKS",
    "SIGNATURE_FIELDS",
    "ballot_sha256",
    "ballots_sha256",
    "build_record",
    "canonical_bytes",
    "check_ballot_hashes",
    "check_ballots_sha256",
    "check_counts",
    "check_receipts",
    "check_turnout",
    "compare_results",
    "profile_from_record",
    "read_record",
    "record_sha256",
    "recount_record",
    "write_record",
]
