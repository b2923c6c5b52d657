"""The session cookie, encrypted rather than only signed.

Flask's default cookie is signed, so anyone who sees it (a shared computer's browser
profile, a proxy's log of headers, a screenshot of the developer tools) can read it.
During a visit the resident's cookie holds the code's keyed hash and the receipt the
cast will use; read together they would tie a code to a receipt. Here the whole
session is encrypted and authenticated with AES-256-GCM under a key derived from
``SECRET_KEY`` (HKDF-SHA256), and carries the time it was written, so Flask's expiry
still applies. A cookie that does not decrypt is treated as no session at all.
"""

from __future__ import annotations

import base64
import functools
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

_INFO = b"buurtstem session cookie v1"
_NONCE = 12


class EncryptedSerializer:
    """``dumps``/``loads`` as Flask's session interface calls them, sealing the
    session JSON with AES-GCM; ``loads`` raises :class:`BadSignature` for anything
    that does not decrypt or is older than ``max_age`` seconds."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(raw)
        self._aead = AESGCM(key)
        self._json = TaggedJSONSerializer()

    def dumps(self, session: dict[str, Any]) -> str:
        """The session as cookie text: base64url(nonce | ciphertext)."""
        nonce = os.urandom(_NONCE)
        plain = f"{int(time.time())}|{self._json.dumps(session)}".encode()
        sealed = self._aead.encrypt(nonce, plain, None)
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def loads(self, value: str | bytes, max_age: int | None = None) -> dict[str, Any]:
        """The session in ``value``; :class:`BadSignature` if it is not ours or expired."""
        text = value.decode("ascii") if isinstance(value, bytes) else value
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
            written, _sep, body = plain.partition("|")
            if max_age is not None and time.time() - int(written) > max_age:
                raise BadSignature("session expired")
            return dict(self._json.loads(body))
        except (InvalidTag, ValueError, UnicodeDecodeError):
            raise BadSignature("not a session cookie of this app") from None


@functools.lru_cache(maxsize=8)
def serializer_for(secret: str | bytes) -> EncryptedSerializer:
    """The serializer for ``secret``, made once: Flask asks for it twice on every
    request (to read the cookie and to write it), and deriving the key each time was
    a tenth of a millisecond of a worker per request. It keeps no state of a request
    (AES-GCM objects are safe to share between threads)."""
    return EncryptedSerializer(secret)


class EncryptedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, encrypted (see the module docstring)."""

    def get_signing_serializer(self, app: Flask) -> EncryptedSerializer | None:  # type: ignore[override]
        """The encrypting serializer for ``app``'s ``SECRET_KEY`` (None without one)."""
        if not app.secret_key:
            return None
        return serializer_for(app.secret_key)
