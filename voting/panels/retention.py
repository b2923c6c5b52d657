"""What a finished panel no longer needs: the sign-ups (answers, availability and the
sealed phone numbers and e-mail addresses) and the invitations (resident keys and
code hashes). The signed record keeps the answers under pseudonyms, and the panel's
page, advice and audit log stay. ``voting retention`` runs this beside the
elections' purges; a dry run counts, ``--apply`` deletes."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voting import audit
from voting.models import Panel, PanelInvitation, PanelSignup


def run(session: Session, *, apply: bool, actor: str) -> dict[str, dict[str, int]]:
    """Per finished panel (by slug): sign-ups, sealed contact details and invitations
    that are (or would be) deleted. Never commits."""
    report: dict[str, dict[str, int]] = {}
    for panel in session.scalars(select(Panel).where(Panel.phase == "finished")).all():
        signups = PanelSignup.panel_id == panel.id
        counts = {
            "panel_signups": session.scalar(
                select(func.count()).select_from(PanelSignup).where(signups)
            )
            or 0,
            "panel_contacts": session.scalar(
                select(func.count())
                .select_from(PanelSignup)
                .where(
                    signups,
                    (PanelSignup.phone_sealed.is_not(None))
                    | (PanelSignup.email_sealed.is_not(None)),
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
        if not sum(counts.values()):
            continue
        report[panel.slug] = counts
        if apply:
            session.execute(delete(PanelSignup).where(signups))
            session.execute(delete(PanelInvitation).where(PanelInvitation.panel_id == panel.id))
            audit.record(session, actor, "retention.purge_panel", panel=panel.slug, **counts)
    return report
