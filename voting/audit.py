"""The append-only audit log of staff actions."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from voting.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    election_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to ``session`` (the caller commits it together with the
    change it describes, so the log never claims something that did not happen)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        election_id=election_id,
        detail=json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False),
    )
    session.add(event)
    return event
