"""Recording what happened after a certified result: the council's decisions, the
state of each funded proposal or adopted option, and dated milestones.

Every function adds an audit event and queues the e-mail update in the same
transaction as the change, then commits: the log and the mail never claim something
that did not happen, and a change is never announced twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import audit
from voting.follow_up import notify
from voting.models import (
    Attachment,
    CouncilDecision,
    Election,
    Milestone,
    Option,
    Panel,
    ProjectUpdate,
)
from voting.tally import stored_result


class FollowUpError(ValueError):
    """A follow-up change that cannot be made; ``code`` says why (the page words it)."""

    def __init__(self, code: str, **numbers: Any) -> None:
        super().__init__(code)
        self.code = code
        self.numbers = numbers


def ensure_certified(election: Election) -> None:
    """Raise :class:`FollowUpError` ``not_certified`` unless the result is certified."""
    if election.phase != "certified":
        raise FollowUpError("not_certified")


def decisions(session: Session, election: Election) -> list[CouncilDecision]:
    """Every decision on ``election``, newest first (the first one is in force)."""
    return list(
        session.scalars(
            select(CouncilDecision)
            .where(CouncilDecision.election_id == election.id)
            .order_by(CouncilDecision.decided_on.desc(), CouncilDecision.id.desc())
        )
    )


def record_decision(
    session: Session,
    election: Election,
    *,
    decided_on: date,
    body: str,
    outcome: str,
    explanation: str,
    source_url: str,
    actor: str,
) -> CouncilDecision:
    """Add a dated decision on a certified ``election`` (a change is a new entry),
    audit-log it, queue the e-mail update and commit."""
    ensure_certified(election)
    decision = CouncilDecision(
        subject_type="election",
        election_id=election.id,
        decided_on=decided_on,
        body=body,
        outcome=outcome,
        explanation=explanation.strip(),
        source_url=source_url.strip(),
        recorded_by=actor,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor,
        "follow_up.decision",
        election_id=election.id,
        decision_id=decision.id,
        decided_on=decided_on.isoformat(),
        body=body,
        outcome=outcome,
        source_url=decision.source_url,
    )
    notify.queue_update(session, election, [notify.Line("decision", outcome=outcome)])
    session.commit()
    return decision


def panel_decisions(session: Session, panel: Panel) -> list[CouncilDecision]:
    """Every decision on ``panel``'s advice, newest first."""
    return list(
        session.scalars(
            select(CouncilDecision)
            .where(CouncilDecision.panel_id == panel.id)
            .order_by(CouncilDecision.decided_on.desc(), CouncilDecision.id.desc())
        )
    )


@dataclass
class AdviceDecisions:
    """What the council decided on a panel's advice: on the advice as a whole and per
    recommendation (by number, from 1), each newest first (the first is in force)."""

    whole: list[CouncilDecision] = field(default_factory=list)
    per_recommendation: dict[int, list[CouncilDecision]] = field(default_factory=dict)

    def current(self, number: int) -> CouncilDecision | None:
        """The decision in force on recommendation ``number``, if any."""
        found = self.per_recommendation.get(number)
        return found[0] if found else None

    @property
    def any(self) -> bool:
        """True once any decision is recorded."""
        return bool(self.whole or self.per_recommendation)


def advice_decisions(session: Session, panel: Panel) -> AdviceDecisions:
    """The panel's decisions grouped as :class:`AdviceDecisions`."""
    grouped = AdviceDecisions()
    for decision in panel_decisions(session, panel):
        if decision.recommendation is None:
            grouped.whole.append(decision)
        else:
            grouped.per_recommendation.setdefault(decision.recommendation, []).append(decision)
    return grouped


def record_panel_decision(
    session: Session,
    panel: Panel,
    *,
    recommendation: int | None,
    decided_on: date,
    body: str,
    outcome: str,
    explanation: str,
    source_url: str,
    actor: str,
) -> CouncilDecision:
    """Add a dated decision on a seated or finished ``panel``'s advice: on the whole
    advice (``recommendation`` None) or on recommendation number ``recommendation``
    (from 1). A change is a new entry; audit-logged, then committed. Raises
    :class:`FollowUpError` ``panel_not_seated``, ``no_advice`` or
    ``no_such_recommendation``."""
    if panel.phase not in ("seated", "finished"):
        raise FollowUpError("panel_not_seated")
    if not panel.recommendations:
        raise FollowUpError("no_advice")
    if recommendation is not None and not 1 <= recommendation <= len(panel.recommendations):
        raise FollowUpError("no_such_recommendation", count=len(panel.recommendations))
    decision = CouncilDecision(
        subject_type="panel_recommendation",
        panel_id=panel.id,
        recommendation=recommendation,
        decided_on=decided_on,
        body=body,
        outcome=outcome,
        explanation=explanation.strip(),
        source_url=source_url.strip(),
        recorded_by=actor,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor,
        "follow_up.panel_decision",
        panel=panel.slug,
        decision_id=decision.id,
        recommendation=recommendation,
        decided_on=decided_on.isoformat(),
        body=body,
        outcome=outcome,
        source_url=decision.source_url,
    )
    session.commit()
    return decision


@dataclass
class ProjectState:
    """One funded proposal or adopted option and where it stands."""

    option: Option
    status: str = "planned"
    progress_percent: int = 0
    spent_cents: int = 0
    granted_cents: int = 0
    reason: str = ""
    updated_on: date | None = None
    updates: list[ProjectUpdate] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The option key, used in addresses and the CSV import."""
        return self.option.key


def project_options(election: Election) -> list[Option]:
    """The options the certified result chose (funded proposals, adopted options), in
    the order the count chose them; none before certification."""
    if election.phase != "certified":
        return []
    result = stored_result(election)
    if result is None:
        return []
    by_key = {o.key: o for o in election.options}
    return [by_key[k] for k in result.winners if k in by_key]


def granted_default(election: Election, option: Option) -> int:
    """Money granted before anyone said otherwise: a proposal's cost, in cents."""
    return option.cost * 100 if election.is_budget else 0


def projects(session: Session, election: Election) -> list[ProjectState]:
    """Every project of ``election`` with its newest update and its milestones."""
    options = project_options(election)
    if not options:
        return []
    ids = [o.id for o in options]
    updates = session.scalars(
        select(ProjectUpdate)
        .where(ProjectUpdate.option_id.in_(ids))
        .order_by(ProjectUpdate.updated_on.desc(), ProjectUpdate.id.desc())
    ).all()
    milestones = session.scalars(
        select(Milestone)
        .where(Milestone.option_id.in_(ids))
        .order_by(Milestone.happened_on.desc(), Milestone.id.desc())
    ).all()
    states = []
    for option in options:
        state = ProjectState(option=option, granted_cents=granted_default(election, option))
        state.updates = [u for u in updates if u.option_id == option.id]
        state.milestones = [m for m in milestones if m.option_id == option.id]
        if state.updates:
            newest = state.updates[0]
            state.status = newest.status
            state.progress_percent = newest.progress_percent
            state.spent_cents = newest.spent_cents
            state.granted_cents = newest.granted_cents
            state.reason = newest.reason
            state.updated_on = newest.updated_on
        states.append(state)
    return states


def project(session: Session, election: Election, key: str) -> ProjectState | None:
    """The project ``key`` of ``election``, or None if the result did not choose it."""
    return next((p for p in projects(session, election) if p.key == key), None)


@dataclass(frozen=True)
class UpdateInput:
    """A new state for one project, as the clerk's form or a CSV row gives it."""

    key: str
    updated_on: date
    status: str
    progress_percent: int
    spent_cents: int
    granted_cents: int
    reason: str = ""


def check_update(update: UpdateInput) -> None:
    """Raise :class:`FollowUpError` for a state the database would refuse."""
    if update.status == "stopped" and not update.reason.strip():
        raise FollowUpError("stop_needs_reason")
    if not 0 <= update.progress_percent <= 100:
        raise FollowUpError("progress_range")
    if update.spent_cents < 0 or update.granted_cents < 0:
        raise FollowUpError("negative_money")


def record_updates(
    session: Session, election: Election, updates: list[UpdateInput], *, actor: str
) -> list[ProjectUpdate]:
    """Add new states for projects of a certified ``election`` all together or not at
    all (one transaction), audit-log and announce them, and commit."""
    ensure_certified(election)
    by_key = {o.key: o for o in project_options(election)}
    rows = []
    for update in updates:
        check_update(update)
        option = by_key.get(update.key)
        if option is None:
            raise FollowUpError("unknown_project", key=update.key)
        row = ProjectUpdate(
            election_id=election.id,
            option_id=option.id,
            updated_on=update.updated_on,
            status=update.status,
            progress_percent=update.progress_percent,
            spent_cents=update.spent_cents,
            granted_cents=update.granted_cents,
            reason=update.reason.strip(),
            recorded_by=actor,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    audit.record(
        session,
        actor,
        "follow_up.progress",
        election_id=election.id,
        updates=[
            {
                "key": u.key,
                "status": u.status,
                "progress": u.progress_percent,
                "spent_cents": u.spent_cents,
                "granted_cents": u.granted_cents,
            }
            for u in updates
        ],
    )
    notify.queue_update(
        session,
        election,
        [
            notify.Line(
                "progress", title=by_key[u.key].title, status=u.status, percent=u.progress_percent
            )
            for u in updates
        ],
    )
    session.commit()
    return rows


def add_milestone(
    session: Session,
    election: Election,
    key: str,
    *,
    happened_on: date,
    text: str,
    attachment: Attachment | None,
    attachment_alt: str,
    actor: str,
) -> Milestone:
    """Add a dated milestone (with an optional cleaned upload) to project ``key``,
    audit-log and announce it, and commit."""
    ensure_certified(election)
    option = next((o for o in project_options(election) if o.key == key), None)
    if option is None:
        raise FollowUpError("unknown_project", key=key)
    if attachment is not None:
        session.add(attachment)
    milestone = Milestone(
        election_id=election.id,
        option_id=option.id,
        happened_on=happened_on,
        text=text.strip(),
        attachment=attachment,
        attachment_alt=attachment_alt.strip(),
        recorded_by=actor,
    )
    session.add(milestone)
    session.flush()
    audit.record(
        session,
        actor,
        "follow_up.milestone",
        election_id=election.id,
        milestone_id=milestone.id,
        key=key,
        happened_on=happened_on.isoformat(),
        attachment=attachment.content_type if attachment else None,
    )
    notify.queue_update(session, election, [notify.Line("milestone", title=option.title)])
    session.commit()
    return milestone
