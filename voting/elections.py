"""Election phases: one way only, each change by a clerk, each change audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from voting import audit
from voting.models import PHASES, Election, utcnow

REFERENDUM_PHASES = ("draft", "voting", "closed", "counted", "certified")
BUDGET_PHASES = PHASES


class PhaseError(ValueError):
    """A phase change that is not allowed; the message is for the clerk."""


def phase_sequence(election: Election) -> tuple[str, ...]:
    """The phases this election passes through, in order."""
    return BUDGET_PHASES if election.is_budget else REFERENDUM_PHASES


def next_phase(election: Election) -> str | None:
    """The phase that follows the current one, or None at the end."""
    sequence = phase_sequence(election)
    index = sequence.index(election.phase)
    return sequence[index + 1] if index + 1 < len(sequence) else None


def advance(session: Session, election: Election, to: str, *, actor: str) -> None:
    """Move ``election`` to phase ``to`` (only the next phase), audited.

    Raises :class:`PhaseError` for a skip, a step back, or a voting phase without
    options. The caller commits.
    """
    expected = next_phase(election)
    if to != expected:
        raise PhaseError(
            f"Fase '{election.phase}' kan niet naar '{to}'; de volgende fase is "
            f"'{expected or 'geen'}'."
        )
    if to == "voting":
        accepted = election.accepted_options()
        if len(accepted) < (1 if election.is_budget else 2):
            raise PhaseError("Er staan te weinig opties op het stembiljet om te stemmen.")
        if election.opens_at is None:
            election.opens_at = utcnow()
    if to == "closed" and (election.closes_at is None or election.closes_at > utcnow()):
        election.closes_at = utcnow()
    previous = election.phase
    election.phase = to
    audit.record(session, actor, "election.phase", election_id=election.id, old=previous, new=to)


def options_locked(election: Election) -> bool:
    """True once voting has started: options, rule and roll are fixed from then on."""
    return PHASES.index(election.phase) >= PHASES.index("voting")
