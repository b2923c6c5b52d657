"""Ed25519 keys for signing election records, and the signing itself.

The municipality keeps one private key per installation (file mode 0600) and publishes
the public key's fingerprint on its website; every certified record carries the public
key and a signature over :func:`ballots.record.canonical_bytes`.
``tools/verify.py`` checks signatures without importing this module (a resident's
laptop has no web app), so the check here and the one there must stay the same.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ballots.record import canonical_bytes

ALGORITHM = "Ed25519"
PRIVATE_KEY_FILE = "record-signing-key.pem"
PUBLIC_KEY_FILE = "record-signing-key.pub.pem"


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as ``(private_pem, public_pem)``: unencrypted PKCS#8 and
    SubjectPublicKeyInfo PEM."""
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private_pem, public_key_pem(private_key)


def write_keypair(directory: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Generate a key pair and write it into ``directory`` (created if needed) as
    ``record-signing-key.pem`` (mode 0600) and ``record-signing-key.pub.pem``.

    Returns ``(private_path, public_path)``. Raises ``FileExistsError`` rather than
    replace an existing key: records signed with it could no longer be re-signed.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"{path} already exists; not replacing a signing key")
    private_pem, public_pem = generate_keypair()
    # Created with mode 0600 in the same call, so the key is never readable by others,
    # not even for a moment (and O_EXCL refuses to follow or reuse an existing file).
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    os.chmod(private_path, 0o600)  # in case the umask took bits away we meant to keep
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file at ``path``.

    Raises ``ValueError`` if the file holds no key or another kind of key.
    """
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """The Ed25519 public key in PEM ``data``; ``ValueError`` for any other key."""
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"not an Ed25519 public key but a {type(key).__name__}")
    return key


def _public(key: Ed25519PrivateKey | Ed25519PublicKey) -> Ed25519PublicKey:
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The public key (of a private key, or itself) as SubjectPublicKeyInfo PEM."""
    return _public(key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of the public key."""
    return _public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw public key: what the municipality publishes so that
    residents can tell its key from any other."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()


def sign_record(
    record: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    canonical: bytes | None = None,
) -> dict[str, Any]:
    """A copy of ``record`` with a ``"signature"``: algorithm, public key (raw, base64),
    its fingerprint, and the Ed25519 signature (base64) over the canonical bytes of
    the record without its signature. An existing signature is replaced. A caller
    that has :func:`canonical_bytes` of ``record`` already passes it as ``canonical``
    (for a million ballots they take seconds to make)."""
    signed = {k: v for k, v in record.items() if k != "signature"}
    body = canonical if canonical is not None else canonical_bytes(signed)
    signed["signature"] = {
        "algorithm": ALGORITHM,
        "public_key": base64.b64encode(raw_public_key(private_key)).decode("ascii"),
        "key_fingerprint": fingerprint(private_key),
        "value": base64.b64encode(private_key.sign(body)).decode("ascii"),
    }
    return signed


def verify_signature(
    record: Mapping[str, Any],
    public_key: Ed25519PublicKey | None = None,
    *,
    canonical: bytes | None = None,
) -> bool:
    """True if ``record`` carries a valid Ed25519 signature (over ``canonical``, the
    record's :func:`canonical_bytes`, when the caller has them already).

    With ``public_key``, the signature must be by that key (the embedded key must be
    the same); without, the embedded key is trusted, which proves only that the record
    is unchanged since someone signed it: compare its fingerprint with the published
    one. False for a missing, malformed or non-matching signature.
    """
    signature = record.get("signature")
    if not isinstance(signature, Mapping) or signature.get("algorithm") != ALGORITHM:
        return False
    try:
        raw = base64.b64decode(signature["public_key"], validate=True)
        value = base64.b64decode(signature["value"], validate=True)
        embedded = Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, TypeError, ValueError, binascii.Error):
        return False
    if signature.get("key_fingerprint") != hashlib.sha256(raw).hexdigest():
        return False
    key = embedded
    if public_key is not None:
        if raw_public_key(public_key) != raw:
            return False
        key = public_key
    try:
        key.verify(value, canonical if canonical is not None else canonical_bytes(record))
    except InvalidSignature:
        return False
    return True
