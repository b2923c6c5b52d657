"""Shamir's secret sharing, k of n, over the prime field of 2**521 - 1.

The ballot box's private key is split between its key holders (the griffier, a
second official, a notary): any ``threshold`` of the shares rebuild it, fewer say
nothing about it (every value of the secret is equally likely given k-1 shares). The
field is the Mersenne prime 2**521 - 1, far larger than a 256-bit key, so the secret
fits as one field element. Randomness comes from :mod:`secrets` only.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

PRIME = 2**521 - 1  # a Mersenne prime (M521)


class ShareError(ValueError):
    """Shares that cannot rebuild a secret (too few, repeated, or malformed)."""


@dataclass(frozen=True)
class Share:
    """One point ``(x, y)`` on the secret polynomial; ``x`` is 1..n."""

    x: int
    y: int


def split(secret: int, *, threshold: int, holders: int) -> list[Share]:
    """Split ``secret`` (0 <= secret < PRIME) into ``holders`` shares of which any
    ``threshold`` rebuild it. Raises :class:`ValueError` for impossible numbers."""
    if not 0 <= secret < PRIME:
        raise ValueError("secret out of range")
    if not 1 <= threshold <= holders <= 255:
        raise ValueError("need 1 <= threshold <= holders <= 255")
    coefficients = [secret] + [secrets.randbelow(PRIME) for _ in range(threshold - 1)]
    return [Share(x, _evaluate(coefficients, x)) for x in range(1, holders + 1)]


def combine(shares: Sequence[Share]) -> int:
    """The secret behind ``shares`` (Lagrange interpolation at 0).

    Raises :class:`ShareError` for no shares or two shares with the same ``x``. With
    fewer shares than the threshold the answer is a wrong secret, not an error: the
    caller checks the rebuilt key against the published public key.
    """
    if not shares:
        raise ShareError("no shares")
    xs = [s.x for s in shares]
    if len(set(xs)) != len(xs):
        raise ShareError("the same share was given twice")
    if any(not 0 < s.x < PRIME or not 0 <= s.y < PRIME for s in shares):
        raise ShareError("share out of range")
    secret = 0
    for i, share in enumerate(shares):
        numerator, denominator = 1, 1
        for j, other in enumerate(shares):
            if i != j:
                numerator = numerator * (-other.x) % PRIME
                denominator = denominator * (share.x - other.x) % PRIME
        secret = (secret + share.y * numerator * pow(denominator, -1, PRIME)) % PRIME
    return secret


def _evaluate(coefficients: list[int], x: int) -> int:
    # Horner's rule, highest coefficient first.
    value = 0
    for coefficient in reversed(coefficients):
        value = (value * x + coefficient) % PRIME
    return value
