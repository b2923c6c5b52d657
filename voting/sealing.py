"""The sealed ballot box's cryptography: X25519 + HKDF-SHA256 + AES-256-GCM.

Each ballot is sealed to the election's public key the moment it is cast: a fresh
ephemeral X25519 key agrees a secret with the box key, HKDF turns it into a one-time
AES-GCM key, and the ballot (padded to one length per election, so the size of a
sealed row says nothing about how many options it holds) is encrypted with the
election id as associated data (a sealed ballot cannot be moved to another
election). Only the private key opens it, and that key exists only as Shamir shares
held by the key holders (:mod:`voting.shamir`) until the box is opened after closing.

A share travels as text a holder can print, keep and type or paste back::

    BBX1-1F2E3D4C-2-1-<132 hexadecimal digits>-9A0B

(format, box fingerprint, threshold, share number, value, check digits).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from voting import shamir

KEY_BYTES = 32
NONCE_BYTES = 12
PAD_STEP = 256
SHARE_PREFIX = "BBX1"
_INFO = b"buurtstem sealed ballot v1"


class SealError(ValueError):
    """A sealed ballot or a share that does not open: wrong key, damaged or forged.

    ``reason`` says which (a code the clerk's page turns into words, see
    :func:`voting.ballot_box.open_box`), ``params`` its numbers; the message is English
    for logs and tools."""

    def __init__(self, message: str, reason: str = "shares_wrong", **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class BoxKey:
    """A new box key pair: the public half goes into the database, the private half
    only into shares."""

    private: bytes
    public: bytes


def new_box_key() -> BoxKey:
    """A fresh X25519 key pair (from the operating system's randomness)."""
    private = X25519PrivateKey.generate()
    return BoxKey(_private_bytes(private), _public_bytes(private.public_key()))


def public_of(private: bytes) -> bytes:
    """The public key belonging to ``private`` (raw 32 bytes each)."""
    return _public_bytes(X25519PrivateKey.from_private_bytes(private).public_key())


def fingerprint(public: bytes) -> str:
    """The box key's short fingerprint: the first 8 hex digits of SHA-256, upper case."""
    return hashlib.sha256(public).hexdigest()[:8].upper()


def padded_length(option_keys: Sequence[str]) -> int:
    """The one plaintext length of every ballot of an election with these options:
    room for all of them plus the invalid mark, rounded up to ``PAD_STEP`` bytes."""
    longest = len(_plain(list(option_keys), invalid=True))
    return (longest // PAD_STEP + 1) * PAD_STEP


def seal(public: bytes, choices: Sequence[str], *, invalid: bool, length: int, context: str) -> str:
    """Seal one ballot to ``public``; returns base64 text to store.

    ``length`` is the election's :func:`padded_length`; ``context`` (the election id)
    is bound to the ciphertext.
    """
    plain = _plain(list(choices), invalid=invalid)
    if len(plain) > length:
        raise SealError("ballot longer than the padded length")
    plain = plain + b" " * (length - len(plain))
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _public_bytes(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    key = _derive(shared, ephemeral_public, public)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plain, context.encode())
    return base64.b64encode(ephemeral_public + nonce + sealed).decode("ascii")


def unseal(private: bytes, sealed: str, *, context: str) -> tuple[list[str], bool]:
    """Open one sealed ballot: ``(choices, invalid)``. Raises :class:`SealError`."""
    try:
        raw = base64.b64decode(sealed, validate=True)
    except ValueError:
        raise SealError("not a sealed ballot") from None
    ephemeral_public, nonce, body = (
        raw[:KEY_BYTES],
        raw[KEY_BYTES : KEY_BYTES + NONCE_BYTES],
        raw[KEY_BYTES + NONCE_BYTES :],
    )
    secret = X25519PrivateKey.from_private_bytes(private)
    try:
        shared = secret.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _derive(shared, ephemeral_public, _public_bytes(secret.public_key()))
        plain = AESGCM(key).decrypt(nonce, body, context.encode())
        data = json.loads(plain.decode("utf-8"))
    except (InvalidTag, ValueError):
        raise SealError("the sealed ballot does not open with this key") from None
    return [str(c) for c in data["c"]], bool(data["i"])


# --- shares as text -----------------------------------------------------------------


def split_key(private: bytes, *, threshold: int, holders: int) -> list[str]:
    """Split a box private key into ``holders`` share texts, ``threshold`` needed."""
    box = fingerprint(public_of(private))
    parts = shamir.split(int.from_bytes(private, "big"), threshold=threshold, holders=holders)
    return [_encode_share(box, threshold, part) for part in parts]


def combine_shares(texts: Sequence[str], public: bytes) -> bytes:
    """Rebuild the private key from share texts and check it against ``public``.

    Raises :class:`SealError` with a message for the key holders: a damaged share,
    a share of another box, too few shares, or the same share twice.
    """
    box = fingerprint(public)
    parts: list[shamir.Share] = []
    threshold = 0
    for number, text in enumerate(texts, start=1):
        try:
            share_box, share_threshold, part = decode_share(text)
        except SealError as error:
            raise SealError(f"share {number}: {error}", error.reason, number=number) from None
        if share_box != box:
            raise SealError(
                f"share {number} belongs to another ballot box ({share_box})",
                "share_other_box",
                number=number,
                box=share_box,
            )
        threshold = share_threshold
        parts.append(part)
    if len(parts) < threshold:
        raise SealError(
            f"{threshold} shares are needed, {len(parts)} were given",
            "shares_too_few",
            needed=threshold,
            given=len(parts),
        )
    try:
        secret = shamir.combine(parts)
    except shamir.ShareError as error:
        twice = len({p.x for p in parts}) < len(parts)
        raise SealError(str(error), "share_twice" if twice else "shares_wrong") from None
    if secret >= 2 ** (8 * KEY_BYTES):
        raise SealError("the shares do not rebuild this box's key")
    private = secret.to_bytes(KEY_BYTES, "big")
    try:
        matches = public_of(private) == public
    except ValueError:
        matches = False
    if not matches:
        raise SealError("the shares do not rebuild this box's key")
    return private


def decode_share(text: str) -> tuple[str, int, shamir.Share]:
    """``(box fingerprint, threshold, share)`` from a share text (the share line may
    sit among other lines, spaces and case do not matter). Raises :class:`SealError`."""
    compact = re.sub(r"\s+", "", text).upper()
    match = re.search(
        SHARE_PREFIX + r"-([0-9A-F]{8})-(\d{1,3})-(\d{1,3})-([0-9A-F]+)-([0-9A-F]{4})", compact
    )
    if match is None:
        raise SealError("no share line (BBX1-...) found", "share_missing")
    box, threshold, x, value, check = match.groups()
    if _check(f"{SHARE_PREFIX}-{box}-{threshold}-{x}-{value}") != check:
        raise SealError(
            "the share has a typing error (its check digits do not match)", "share_typo"
        )
    return box, int(threshold), shamir.Share(int(x), int(value, 16))


def _encode_share(box: str, threshold: int, part: shamir.Share) -> str:
    body = f"{SHARE_PREFIX}-{box}-{threshold}-{part.x}-{part.y:0132X}"
    return f"{body}-{_check(body)}"


def _check(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:4].upper()


def _plain(choices: list[str], *, invalid: bool) -> bytes:
    return json.dumps({"c": choices, "i": invalid}, separators=(",", ":")).encode()


def _derive(shared: bytes, ephemeral_public: bytes, public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + public, info=_INFO
    ).derive(shared)


def _private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _public_bytes(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
