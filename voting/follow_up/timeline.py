"""Everything that happened after the results, as one list of dated news items: the
public pages, the Atom feeds and the overview read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.follow_up.labels import BODY_LABELS, OUTCOME_LABELS, STATUS_LABELS
from voting.formatting import format_percent
from voting.labels import label
from voting.models import CouncilDecision, Election, Milestone, Option, ProjectUpdate, aware


@dataclass(frozen=True)
class NewsItem:
    """One dated thing residents can read about."""

    ident: str  # stable, for the feed's <id>
    election: Election
    day: date
    recorded_at: datetime
    title: str
    text: str
    option_key: str | None = None


def news(session: Session, election: Election | None = None, limit: int = 100) -> list[NewsItem]:
    """The newest items (about ``election``, or about every election), newest first."""
    decision_query = select(CouncilDecision, Election).join(
        Election, CouncilDecision.election_id == Election.id
    )
    update_query = (
        select(ProjectUpdate, Election, Option)
        .join(Election, ProjectUpdate.election_id == Election.id)
        .join(Option, ProjectUpdate.option_id == Option.id)
    )
    milestone_query = (
        select(Milestone, Election, Option)
        .join(Election, Milestone.election_id == Election.id)
        .join(Option, Milestone.option_id == Option.id)
    )
    if election is not None:
        decision_query = decision_query.where(Election.id == election.id)
        update_query = update_query.where(Election.id == election.id)
        milestone_query = milestone_query.where(Election.id == election.id)
    items: list[NewsItem] = []
    for decision, owner in session.execute(decision_query.limit(limit)):
        items.append(
            NewsItem(
                ident=f"decision/{decision.id}",
                election=owner,
                day=decision.decided_on,
                recorded_at=aware(decision.recorded_at),
                title=_(
                    "Besluit over %(title)s: %(outcome)s",
                    title=owner.title,
                    outcome=label(OUTCOME_LABELS, decision.outcome),
                ),
                text=_("Besloten door %(body)s.", body=label(BODY_LABELS, decision.body))
                + (" " + decision.explanation if decision.explanation else ""),
            )
        )
    for update, owner, option in session.execute(update_query.limit(limit)):
        items.append(
            NewsItem(
                ident=f"progress/{update.id}",
                election=owner,
                day=update.updated_on,
                recorded_at=aware(update.recorded_at),
                title=_(
                    "%(project)s: %(status)s (%(percent)s)",
                    project=option.title,
                    status=label(STATUS_LABELS, update.status),
                    percent=format_percent(update.progress_percent),
                ),
                text=update.reason,
                option_key=option.key,
            )
        )
    for milestone, owner, option in session.execute(milestone_query.limit(limit)):
        items.append(
            NewsItem(
                ident=f"milestone/{milestone.id}",
                election=owner,
                day=milestone.happened_on,
                recorded_at=aware(milestone.recorded_at),
                title=_("%(project)s: nieuwe stap", project=option.title),
                text=milestone.text,
                option_key=option.key,
            )
        )
    items.sort(key=lambda i: (i.day, i.recorded_at), reverse=True)
    return items[:limit]
