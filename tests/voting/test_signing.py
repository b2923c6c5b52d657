"""Ed25519 keys and record signatures (voting.signing)."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ballots.record import canonical_bytes, record_sha256
from voting.signing import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    fingerprint,
    generate_keypair,
    load_private_key,
    load_public_key,
    public_key_pem,
    raw_public_key,
    sign_record,
    verify_signature,
    write_keypair,
)


@pytest.fixture
def record() -> dict[str, Any]:
    """A record-shaped dict; signing does not look inside."""
    return {
        "format": "buurtstem-record/1",
        "election": {"title": "Centrumplan Duiven – stemming", "rule": "irv"},
        "ballots": [{"receipt": "R1", "choices": ["b"], "sha256": "00"}],
        "result": {"winners": ["b"]},
    }


@pytest.fixture
def key() -> Ed25519PrivateKey:
    """A fresh private key."""
    return Ed25519PrivateKey.generate()


def test_generate_keypair_gives_matching_pems() -> None:
    private_pem, public_pem = generate_keypair()
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    private = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    assert public_key_pem(private) == public_pem
    assert generate_keypair()[0] != private_pem


def test_write_keypair_private_file_is_0600(tmp_path: Path) -> None:
    private_path, public_path = write_keypair(tmp_path / "keys")
    assert private_path.name == PRIVATE_KEY_FILE
    assert public_path.name == PUBLIC_KEY_FILE
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    key = load_private_key(private_path)
    assert public_key_pem(key) == public_path.read_bytes()
    assert public_key_pem(load_public_key(public_path.read_bytes())) == public_path.read_bytes()


def test_write_keypair_never_replaces_a_key(tmp_path: Path) -> None:
    private_path, _ = write_keypair(tmp_path)
    before = private_path.read_bytes()
    with pytest.raises(FileExistsError, match="not replacing a signing key"):
        write_keypair(tmp_path)
    assert private_path.read_bytes() == before


def test_load_refuses_other_key_types(tmp_path: Path) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "ec.pem"
    path.write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError, match="not an Ed25519 private key"):
        load_private_key(path)
    public = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        load_public_key(public)


def test_fingerprint_is_sha256_of_raw_key(key: Ed25519PrivateKey) -> None:
    raw = raw_public_key(key)
    assert len(raw) == 32
    assert fingerprint(key) == hashlib.sha256(raw).hexdigest()
    assert fingerprint(key.public_key()) == fingerprint(key)


def test_sign_record(record: dict[str, Any], key: Ed25519PrivateKey) -> None:
    signed = sign_record(record, key)
    assert "signature" not in record  # the input is left alone
    signature = signed["signature"]
    assert set(signature) == {"algorithm", "public_key", "key_fingerprint", "value"}
    assert signature["algorithm"] == "Ed25519"
    assert base64.b64decode(signature["public_key"]) == raw_public_key(key)
    assert signature["key_fingerprint"] == fingerprint(key)
    # The signature is over the canonical bytes of the record without it, so anyone
    # can check it with any Ed25519 implementation.
    key.public_key().verify(base64.b64decode(signature["value"]), canonical_bytes(record))
    assert record_sha256(signed) == record_sha256(record)
    assert verify_signature(signed)
    assert verify_signature(signed, key.public_key())


def test_re_signing_replaces_the_signature(record: dict[str, Any], key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    twice = sign_record(sign_record(record, key), other)
    assert twice["signature"]["key_fingerprint"] == fingerprint(other)
    assert verify_signature(twice, other.public_key())


def test_any_change_breaks_the_signature(record: dict[str, Any], key: Ed25519PrivateKey) -> None:
    signed = sign_record(record, key)
    signed["ballots"][0]["choices"] = ["a"]
    assert not verify_signature(signed)


def test_other_key_fails(record: dict[str, Any], key: Ed25519PrivateKey) -> None:
    signed = sign_record(record, key)
    assert not verify_signature(signed, Ed25519PrivateKey.generate().public_key())


def test_swapped_embedded_key_fails(record: dict[str, Any], key: Ed25519PrivateKey) -> None:
    signed = sign_record(record, key)
    impostor = Ed25519PrivateKey.generate()
    signed["signature"]["public_key"] = base64.b64encode(raw_public_key(impostor)).decode()
    signed["signature"]["key_fingerprint"] = fingerprint(impostor)
    assert not verify_signature(signed)
    # With the real key given, the signature itself still checks, but the record names
    # someone else's key: that is refused too.
    assert not verify_signature(signed, key.public_key())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("algorithm", "RSA"),
        ("value", "not base64!"),
        ("public_key", "AAAA"),
        ("key_fingerprint", "0" * 64),
    ],
)
def test_malformed_signature_fails(
    record: dict[str, Any], key: Ed25519PrivateKey, field: str, value: str
) -> None:
    signed = sign_record(record, key)
    signed["signature"][field] = value
    assert not verify_signature(signed)


def test_unsigned_record_fails(record: dict[str, Any]) -> None:
    assert not verify_signature(record)
