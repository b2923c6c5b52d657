"""Where an election stands, in one sentence a resident understands (the overview page
"Wat is er met uw stem gedaan?" and the follow-up page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from voting.follow_up import tracking
from voting.follow_up.labels import BODY_LABELS, OUTCOME_LABELS
from voting.formatting import format_moment
from voting.labels import label
from voting.models import CouncilDecision, Election, aware, utcnow


@dataclass
class ElectionState:
    """An election with its decision and projects, for the public pages."""

    election: Election
    sentence: str
    decision: CouncilDecision | None = None
    decisions: list[CouncilDecision] = field(default_factory=list)
    projects: list[tracking.ProjectState] = field(default_factory=list)

    @property
    def projects_done(self) -> int:
        """How many projects are finished."""
        return sum(1 for p in self.projects if p.status == "done")


def voting_over(election: Election) -> bool:
    """True once residents can no longer vote (closed, or past the closing time)."""
    if election.phase in ("closed", "counted", "certified"):
        return True
    return (
        election.phase == "voting"
        and election.closes_at is not None
        and aware(election.closes_at) <= utcnow()
    )


def _sentence(election: Election, decision: CouncilDecision | None) -> str:
    if election.phase == "proposals":
        return _("Bewoners kunnen nu voorstellen indienen.")
    if election.phase == "review":
        return _("De gemeente controleert de ingediende voorstellen.")
    if election.phase == "voting" and election.is_open():
        if election.closes_at:
            return _("Stemmen kan tot %(moment)s.", moment=format_moment(election.closes_at))
        return _("Stemmen kan nu.")
    if election.phase == "voting" and not voting_over(election):
        return _("Het stemmen begint binnenkort.")
    if election.phase != "certified":
        return _("Het stemmen is voorbij. De stemmen worden geteld.")
    if decision is None:
        return _("De uitslag is vastgesteld. De gemeente heeft nog geen besluit genomen.")
    if decision.outcome == "pending":
        return _(
            "De uitslag is vastgesteld. %(body)s besluit nog.",
            body=label(BODY_LABELS, decision.body).capitalize(),
        )
    return _(
        "Besluit van %(body)s: %(outcome)s.",
        body=label(BODY_LABELS, decision.body),
        outcome=label(OUTCOME_LABELS, decision.outcome),
    )


def election_state(session: Session, election: Election) -> ElectionState:
    """Everything the public follow-up shows about ``election``."""
    decisions = tracking.decisions(session, election)
    decision = decisions[0] if decisions else None
    return ElectionState(
        election=election,
        sentence=_sentence(election, decision),
        decision=decision,
        decisions=decisions,
        projects=tracking.projects(session, election),
    )
