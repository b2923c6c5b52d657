"""Where an election stands, in one sentence a resident understands (the overview page
"Wat is er met uw stem gedaan?" and the follow-up page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from voting import published
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


# Decisions under which the council carries out what a vote pointed to, even one whose
# result is not valid (the council may decide so itself).
ADOPTING = ("adopted", "adopted_in_part")


def result_valid(session: Session, election: Election) -> bool:
    """True unless ``election``'s certified result is not valid (turnout below the
    threshold, or declared invalid); True before certification."""
    row = published.published(session, election)
    if row is None:
        return True
    return bool(published.summary(row).get("turnout", {}).get("valid", True))


def _sentence(election: Election, decision: CouncilDecision | None, valid: bool = True) -> str:
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
    if decision is None and not valid:
        # What happens next must not contradict the verdict: nothing is carried out
        # on the strength of a vote that does not count.
        return _(
            "De uitslag is ongeldig. Op grond van deze stemming wordt niets uitgevoerd; de "
            "gemeenteraad beslist zelf."
        )
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
    valid = election.phase != "certified" or result_valid(session, election)
    # A result that is not valid funds or adopts nothing, unless the council decides to.
    carried_out = valid or (decision is not None and decision.outcome in ADOPTING)
    return ElectionState(
        election=election,
        sentence=_sentence(election, decision, valid),
        decision=decision,
        decisions=decisions,
        projects=tracking.projects(session, election) if carried_out else [],
    )
