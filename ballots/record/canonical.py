"""The record's bytes: the canonical encoding the signature covers, the hashes, and the
layout the record is published in."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """The canonical encoding the signature covers: JSON with sorted keys, no
    whitespace, UTF-8, of ``record`` without its top-level ``"signature"`` field.

    The signature is left out here (rather than by every caller) so that nobody can
    sign or hash a record that contains its own signature by mistake.
    """
    unsigned = {k: v for k, v in record.items() if k not in ("signature", "ballots")}
    if "ballots" not in record or (unsigned and min(unsigned) < "ballots"):
        # Not a record's layout ("ballots" first): the plain way.
        return _canonical_json({k: v for k, v in record.items() if k != "signature"}).encode()
    rest = _canonical_json(unsigned).encode("utf-8")
    # The same bytes json.dumps gives for the whole record ("ballots" sorts before
    # every other key), made ballot by ballot: one encoding per distinct entry object
    # (copies of a ballot share one, ballots.record.build) and one join, instead of a
    # million small strings in the encoder's buffer.
    encoded: dict[int, bytes] = {}
    parts = []
    for entry in record["ballots"]:
        part = encoded.get(id(entry))
        if part is None:
            part = encoded[id(entry)] = _canonical_json(entry).encode("utf-8")
        parts.append(part)
    ballots = b'{"ballots":[' + b",".join(parts) + b"]"
    del parts, encoded
    return ballots + (b"," + rest[1:] if unsigned else b"}")


def _canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def record_sha256(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_bytes`: the record's fingerprint, the same
    before and after signing."""
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def ballot_text(choices: Sequence[str], points: Sequence[int] | None = None) -> str:
    """A ballot's canonical JSON text: what it is hashed and sorted by. ``["2","1"]``
    for a ballot of choices; for a split or points ballot, which gives every choice an
    amount, its pairs ``[["groen",60],["spelen",40]]`` (choices sorted)."""
    if points is None:
        return json.dumps(list(choices), separators=(",", ":"), ensure_ascii=False)
    pairs = [[c, p] for c, p in zip(choices, points, strict=True)]
    return json.dumps(pairs, separators=(",", ":"), ensure_ascii=False)


def ballot_sha256(choices: Sequence[str], points: Sequence[int] | None = None) -> str:
    """SHA-256 over the ballot's canonical JSON text (:func:`ballot_text`; choices as
    stored in the record: sorted for every ballot type but ranked). A ballot has no
    receipt: a receipt proves a ballot was counted, never which one it was."""
    return hashlib.sha256(ballot_text(choices, points).encode("utf-8")).hexdigest()


def entry_text(entry: Mapping[str, Any]) -> str:
    """:func:`ballot_text` of a record's ballot entry (with its ``points`` if any)."""
    return ballot_text(entry["choices"], entry.get("points"))


def ballots_sha256(ballot_hashes: Iterable[str]) -> str:
    """SHA-256 over the ballot hashes in order, each followed by a newline (so
    ``jq -r '.ballots[].sha256' record.json | sha256sum`` gives the same value)."""
    digest = hashlib.sha256()
    hashes = iter(ballot_hashes)
    # A batch per update: a million receipts or ballots hash in one pass of joins.
    while batch := list(islice(hashes, 8192)):
        digest.update(("\n".join(batch) + "\n").encode("utf-8"))
    return digest.hexdigest()


def receipts_sha256(receipts: Iterable[str]) -> str:
    """SHA-256 over the sorted receipts, each followed by a newline."""
    return ballots_sha256(receipts)


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
    # Copies of one ballot often share one entry (ballots.record.build): encode it once.
    encoded: dict[int, str] = {}
    lines = []
    for b in record["ballots"]:
        line = encoded.get(id(b))
        if line is None:
            line = "  " + json.dumps(b, sort_keys=True, ensure_ascii=False, allow_nan=False)
            encoded[id(b)] = line
        lines.append(line)
    block = ' "ballots": [\n' + ",\n".join(lines) + "\n ]" if lines else ' "ballots": []'
    # "ballots" sorts before every other top-level key, so it opens the object.
    return "{\n" + block + (",\n" + rest[2:] if others else "\n}") + "\n"
