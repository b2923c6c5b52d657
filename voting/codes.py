"""Letter codes: generate, normalise, check and hash.

A code is 16 characters of Crockford base32 (80 bits from :mod:`secrets`) plus one
check character computed with the Luhn mod N algorithm over the same alphabet, which
catches every single mistyped character and most swapped neighbours. It is printed
in groups of four: ``K7QM-3XD9-PA2F-W8RT-6``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import Enum

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
BODY_LENGTH = 16
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Look-alikes people type for what the letter shows.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\t\n\r")
_SHIFTS = tuple(range(5 * (BODY_LENGTH - 1), -1, -5))


class CodeProblem(Enum):
    """Why an entered code cannot be used, before looking it up."""

    EMPTY = "empty"
    BAD_CHARACTER = "bad_character"
    WRONG_LENGTH = "wrong_length"
    CHECK_FAILED = "check_failed"  # a typo: the check character does not match


def check_character(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (already normalised)."""
    factor = 2
    total = 0
    n = len(ALPHABET)
    for char in reversed(body):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def generate() -> str:
    """A new random code with its check character, normalised (17 characters)."""
    # 80 random bits cut into sixteen 5-bit digits: the same uniform draw as sixteen
    # secrets.choice calls, but one system call instead of sixteen (100,000 letters
    # are generated in one go).
    number = int.from_bytes(secrets.token_bytes(BODY_LENGTH * 5 // 8), "big")
    body = "".join(ALPHABET[(number >> shift) & 31] for shift in _SHIFTS)
    return body + check_character(body)


def normalise(entered: str) -> str:
    """Upper case, separators removed, look-alikes (O->0, I/L->1) replaced."""
    return entered.upper().translate(_SEPARATORS).translate(_LOOKALIKES)


def problem(entered: str) -> CodeProblem | None:
    """What is wrong with an entered code before any lookup, or None if it is
    well-formed (right length, known characters, matching check character)."""
    code = normalise(entered)
    if not code:
        return CodeProblem.EMPTY
    if any(c not in _VALUE for c in code):
        return CodeProblem.BAD_CHARACTER
    if len(code) != BODY_LENGTH + 1:
        return CodeProblem.WRONG_LENGTH
    if check_character(code[:-1]) != code[-1]:
        return CodeProblem.CHECK_FAILED
    return None


def formatted(code: str) -> str:
    """The code as printed on the letter: groups of four, dash-separated."""
    code = normalise(code)
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(pepper: str, code: str) -> str:
    """HMAC-SHA256(pepper, normalised code) in hex: what the database stores."""
    return hmac.new(pepper.encode(), normalise(code).encode(), hashlib.sha256).hexdigest()


def voter_key(pepper: str, election_slug: str, person_reference: str) -> str:
    """The per-election key of a resident: HMAC of the municipality's person reference,
    so the roll holds no identity and keys of two elections cannot be linked."""
    message = f"{election_slug}\x00{person_reference.strip()}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


def stage_code_hash(pepper: str, election_id: int, code: str) -> str:
    """What one stage of a process stores for the process letter's ``code``:
    HMAC-SHA256(pepper, stage id + code). Each stage gets its own hash of the same code,
    so without the code no row of one stage can be matched to another stage's or to
    the process's own (:func:`code_hash`). The election's id, not its slug, goes in:
    a slug can still be edited after the letters are printed, an id never changes."""
    message = f"stage\x00{int(election_id)}\x00{normalise(code)}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()
