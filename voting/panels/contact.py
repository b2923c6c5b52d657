"""Optional phone numbers and e-mail addresses of panel sign-ups, sealed at rest.

AES-256-GCM (``cryptography``) with a key from the configuration, never from the
database: ``PANEL_CONTACT_KEY`` (32 bytes, urlsafe base64), or else a key derived
with HKDF from ``CODE_PEPPER``, which lives outside the database too. Each value gets
its own random 96-bit nonce; the panel's slug is bound as associated data, so a
sealed value copied to another panel's row does not open.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


def contact_key(config: Mapping[str, Any]) -> bytes:
    """The 32-byte sealing key from the app's configuration."""
    explicit = config.get("PANEL_CONTACT_KEY") or os.environ.get("PANEL_CONTACT_KEY")
    if explicit:
        key = base64.urlsafe_b64decode(str(explicit) + "=" * (-len(str(explicit)) % 4))
        if len(key) != 32:
            raise ValueError("PANEL_CONTACT_KEY must be 32 bytes (urlsafe base64)")
        return key
    pepper = str(config.get("CODE_PEPPER") or "")
    if not pepper:
        raise ValueError("no PANEL_CONTACT_KEY or CODE_PEPPER configured")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"buurtstem panel contact"
    ).derive(pepper.encode())


def seal(key: bytes, panel_slug: str, value: str | None) -> bytes | None:
    """``nonce || ciphertext`` of ``value``; None for an empty value."""
    value = (value or "").strip()
    if not value:
        return None
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, value.encode(), panel_slug.encode())


def unseal(key: bytes, panel_slug: str, sealed: bytes | None) -> str:
    """The plain value of ``sealed`` ('' for None). Raises ``cryptography``'s
    ``InvalidTag`` for a wrong key or a value from another panel."""
    if not sealed:
        return ""
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    return AESGCM(key).decrypt(nonce, body, panel_slug.encode()).decode()
