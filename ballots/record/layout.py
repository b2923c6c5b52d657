"""What a published record holds: its format tag, the fields it may carry, and the
procedures it states in words (see :mod:`ballots.record` for the whole layout)."""

from __future__ import annotations

FORMAT = "buurtstem-record/2"
KINDS = ("referendum", "budget")
SIGNATURE_FIELDS = ("algorithm", "public_key", "key_fingerprint", "value")

HASH_PROCEDURE = (
    "Each ballot's sha256 is SHA-256 over the UTF-8 JSON array of its choices written "
    'without spaces, e.g. ["2","1"]; a split or points ballot, which gives each '
    "choice an amount (its 'points', aligned with its sorted 'choices'), is hashed as "
    'the JSON array of its [choice, amount] pairs instead, e.g. [["groen",60],'
    '["spelen",40]]. Ballots carry no receipt and are sorted by that JSON text. '
    "ballots_sha256 is SHA-256 over the ballots' sha256 values in record "
    "order, each followed by a newline; receipts_sha256 likewise over the sorted "
    "receipts. The signature covers the whole record without its 'signature' field, "
    "encoded as JSON with sorted keys, no spaces, UTF-8."
)
# How many ballots were cast, by channel and by kind (votes with choices, blank,
# invalid); cast = online + paper = votes + blank + invalid = number of receipts.
COUNT_FIELDS = ("cast", "online", "paper", "votes", "blank", "invalid")
# Optional: how many of the online ballots were cast on a town-hall desk's computer
# (at most ``online``; records made before it existed have no such field).
OPTIONAL_COUNT_FIELDS = ("desk",)

# The election fields a record may carry. Anything else is refused rather than
# published: a record must never leak a field nobody meant to make public.
ELECTION_FIELDS = (
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
    "max_points",
    "min_spend_percent",
    "split_unit",
    "blank_share",
    "theme_budgets",
    "theme_budgets_from",
    "leftover",
    "allow_blank",
    "turnout_threshold_percent",
    "binding",
    "roll_size",
    "tie_break_seed",
    "voting_opens",
    "voting_closes",
    "municipality",
)
# Equal shares: every ballot, a blank one too, gets budget / ballots, as pabutools counts
# (``method_of_equal_shares`` divides by ``profile.num_ballots()``) and pabulib files
# keep empty votes; a blank ballot's share stays unspent. The record says so.
BLANK_SHARE_COUNTED = "counted"
ALIASES = {"proposals": "options", "opens_at": "voting_opens", "closes_at": "voting_closes"}
TURNOUT_FIELDS = (
    "ballots",
    "roll_size",
    "percent",
    "threshold_percent",
    "threshold_met",
    "valid",
    "binding",
)
