"""Two-factor login: TOTP (RFC 6238, 30-second steps, 6 digits, via ``pyotp``) and
one-time recovery codes.

A code is accepted for the current step and one step either side (clock drift), and
only for a step later than the last one accepted, so a code cannot be used twice.
Recovery codes are random, shown once, and stored as SHA-256 only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voting.models import RecoveryCode, StaffUser, utcnow

RECOVERY_CODES = 10
ISSUER = "Buurtstem"
# Crockford-like alphabet without look-alikes for codes people type from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(user: StaffUser, municipality: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.username, issuer_name=f"{ISSUER} {municipality}".strip()
    )


def qr_data_uri(text: str) -> str:
    """``text`` as a QR code in an SVG ``data:`` URI, made here (no outside service)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def verify_totp(user: StaffUser, code: str, *, now: datetime | None = None) -> bool:
    """True if ``code`` is the user's current TOTP (±1 step) and newer than the last
    accepted one; records the step (the caller commits)."""
    if not user.totp_secret:
        return False
    code = _digits(code)
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now or utcnow())
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def _normalise_recovery(code: str) -> str:
    return _digits(code).lower()


def recovery_hash(code: str) -> str:
    """The SHA-256 the table stores for a recovery code (case, dashes, spaces ignored)."""
    return hashlib.sha256(_normalise_recovery(code).encode("utf-8")).hexdigest()


def new_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    """Replace the user's recovery codes with fresh ones and return them (to show
    once; the caller commits)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        session.add(RecoveryCode(user_id=user.id, code_hash=recovery_hash(code)))
    return codes


def use_recovery_code(session: Session, user: StaffUser, code: str) -> bool:
    """True if ``code`` is one of the user's unused recovery codes; it is used up (the
    caller commits)."""
    if not 8 <= len(_normalise_recovery(code)) <= 20:
        return False
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def recovery_codes_left(session: Session, user: StaffUser) -> int:
    """How many unused recovery codes the user has."""
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def turn_off(session: Session, user: StaffUser) -> None:
    """Remove the user's authenticator and recovery codes (the caller commits)."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
