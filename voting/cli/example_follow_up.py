"""What happened after the demo's certified example election (Speelplek Hemelrijken
2025): the college's decision and the progress of the two play areas that go ahead,
so the follow-up pages, the feeds and the overview have something real to show."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from voting.follow_up import tracking
from voting.models import Election

# Amounts in cents; the play areas had no price on the ballot, the college granted these.
GRANTS = (45_000_00, 38_000_00)


def add_example_follow_up(session: Session, election: Election) -> None:
    """Record the decision, the state of both projects and their milestones. Commits."""
    tracking.record_decision(
        session,
        election,
        decided_on=date(2025, 4, 8),
        body="college",
        outcome="adopted",
        explanation=(
            "Het college neemt het advies van de bewoners over. De twee speelplekken met "
            "de meeste stemmen worden in 2025 opgeknapt. Kinderen uit de buurt helpen mee "
            "met het ontwerp."
        ),
        source_url="https://www.example.nl/besluitenlijst-college-2025-04-08",
        actor="demo",
    )
    first, second = tracking.project_options(election)[:2]
    tracking.record_updates(
        session,
        election,
        [
            tracking.UpdateInput(first.key, date(2025, 10, 1), "done", 100, 41_250_00, GRANTS[0]),
            tracking.UpdateInput(
                second.key, date(2025, 11, 15), "in_progress", 60, 21_400_50, GRANTS[1]
            ),
        ],
        actor="demo",
    )
    steps = [
        (first, date(2025, 6, 12), "Kinderen van basisschool De Boog hebben het ontwerp gekozen."),
        (first, date(2025, 9, 26), "De nieuwe schommels en het klimrek staan er. Veel plezier!"),
        (second, date(2025, 11, 3), "De oude doeltjes zijn weg; de nieuwe bestrating ligt er."),
    ]
    for option, day, text in steps:
        tracking.add_milestone(
            session,
            election,
            option.key,
            happened_on=day,
            text=text,
            attachment=None,
            attachment_alt="",
            actor="demo",
        )
