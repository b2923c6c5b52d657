"""What a finished panel no longer needs: the sign-ups (answers, availability and the
sealed phone numbers and e-mail addresses) and the invitations (resident keys and
code hashes). The signed record keeps the answers under pseudonyms, and the panel's
page, advice, the council's decisions and the audit log stay.

As for elections, the data goes ``RETENTION_DAYS`` after the panel finished (the
seated panel gave its advice): ``voting retention`` and the clerk's button on the
retention page (``/beheer/bewaartermijn``) both run this beside the elections' purges;
a dry run counts, applying deletes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voting import audit
from voting.models import Panel, PanelInvitation, PanelSignup, aware, utcnow


@dataclass
class PanelPurge:
    """What a run deletes (or would delete) for one finished panel."""

    panel_id: int
    slug: str
    title: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All rows together (contact details are part of the sign-ups' rows)."""
        return self.counts.get("panel_signups", 0) + self.counts.get("panel_invitations", 0)


def due(session: Session, days: int, now: datetime | None = None) -> list[Panel]:
    """Finished panels that finished at least ``days`` days ago."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    finished = session.scalars(
        select(Panel).where(Panel.phase == "finished").order_by(Panel.finished_at, Panel.id)
    ).all()
    return [p for p in finished if p.finished_at and aware(p.finished_at) <= cutoff]


def _counts(session: Session, panel: Panel) -> dict[str, int]:
    signups = PanelSignup.panel_id == panel.id
    return {
        "panel_signups": session.scalar(
            select(func.count()).select_from(PanelSignup).where(signups)
        )
        or 0,
        "panel_contacts": session.scalar(
            select(func.count())
            .select_from(PanelSignup)
            .where(
                signups,
                (PanelSignup.phone_sealed.is_not(None)) | (PanelSignup.email_sealed.is_not(None)),
            )
        )
        or 0,
        "panel_invitations": session.scalar(
            select(func.count())
            .select_from(PanelInvitation)
            .where(PanelInvitation.panel_id == panel.id)
        )
        or 0,
    }


def run(
    session: Session, days: int, *, apply: bool, actor: str, now: datetime | None = None
) -> list[PanelPurge]:
    """Per panel finished ``days`` or more days ago: the sign-ups, sealed contact
    details and invitations that are (``apply``) or would be deleted, with an audit
    event per panel when applied. Panels with nothing left are not listed. Never
    commits: the caller commits once, together with the elections' purges."""
    report = []
    for panel in due(session, days, now):
        purge = PanelPurge(panel.id, panel.slug, panel.title, _counts(session, panel))
        if not purge.total:
            continue
        report.append(purge)
        if apply:
            session.execute(delete(PanelSignup).where(PanelSignup.panel_id == panel.id))
            session.execute(delete(PanelInvitation).where(PanelInvitation.panel_id == panel.id))
            audit.record(
                session, actor, "retention.purge_panel", panel=panel.slug, days=days, **purge.counts
            )
    return report
