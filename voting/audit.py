"""The append-only audit log of staff actions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from voting.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    election_id: int | None = None,
    at: datetime | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to ``session`` (the caller commits it together with the
    change it describes, so the log never claims something that did not happen).
    ``at`` replaces the exact time where the moment itself would tell too much (a
    paper ballot's entry keeps only its day)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        election_id=election_id,
        detail=json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False),
    )
    if at is not None:
        event.at = at
    session.add(event)
    return event
