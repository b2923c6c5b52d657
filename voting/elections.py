"""Election phases: one way only, each change by a clerk, each change audited."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ballots.errors import CodedError
from ballots.methods import RULES
from ballots.model import BallotKind
from voting import audit, ballot_box
from voting.models import PHASES, Election, Option, RollEntry, aware, utcnow

REFERENDUM_PHASES = ("draft", "voting", "closed", "counted", "certified")
BUDGET_PHASES = PHASES


class PhaseError(CodedError):
    """A phase change that is not allowed: ``phase_skip`` (phase, to, expected) or
    ``too_few_options``. :func:`voting.error_words.explain` says it in words."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "phase_skip": "phase {phase!r} cannot move to {to!r}; the next phase is {expected!r}",
        "too_few_options": "too few options on the ballot to vote",
        "no_ballot_box": "make the ballot box key first: without a box nobody can vote",
        "theme_split_not_certified": "the split giving the budgets per theme is not certified",
        "no_voters_yet": "nobody is on the roll yet: import the register first",
    }


def phase_sequence(election: Election) -> tuple[str, ...]:
    """The phases this election passes through, in order."""
    return BUDGET_PHASES if election.is_budget else REFERENDUM_PHASES


def next_phase(election: Election) -> str | None:
    """The phase that follows the current one, or None at the end."""
    sequence = phase_sequence(election)
    index = sequence.index(election.phase)
    return sequence[index + 1] if index + 1 < len(sequence) else None


# Counting and certifying are done on the count screens (voting.tally), which store the
# result and the signed record with the phase; a bare phase button must not skip them.
COUNT_SCREEN_PHASES = ("counted", "certified")


def manual_next_phase(election: Election) -> str | None:
    """The next phase a clerk may set with the phase button, or None when the next
    step is counting or certifying (done on the count screens)."""
    target = next_phase(election)
    return None if target in COUNT_SCREEN_PHASES else target


def roll_size(session: Session, election: Election) -> int:
    """The number of residents on the election's roll."""
    return int(
        session.scalar(
            select(func.count()).select_from(RollEntry).where(RollEntry.election_id == election.id)
        )
        or 0
    )


def advance(session: Session, election: Election, to: str, *, actor: str) -> None:
    """Move ``election`` to phase ``to`` (only the next phase), audited.

    Raises :class:`PhaseError` for a skip, a step back, or a voting phase without
    options. The caller commits.
    """
    expected = next_phase(election)
    if to != expected:
        raise PhaseError("phase_skip", phase=election.phase, to=to, expected=expected)
    if to == "voting":
        accepted = election.accepted_options()
        if len(accepted) < (1 if election.is_budget else 2):
            raise PhaseError("too_few_options")
        if not ballot_box.has_box(election):
            # Without a box every ballot would be stored readable: make the key first.
            raise PhaseError("no_ballot_box")
        if election.theme_split_id is not None:
            # The budgets per theme follow from the split's certified outcome: without it
            # the ballot could not show them and the count would stop at the end.
            split = session.get(Election, election.theme_split_id)
            if split is None or split.phase != "certified":
                raise PhaseError("theme_split_not_certified")
        if not roll_size(session, election):
            # The roll is fixed once voting starts: opened empty, no one could ever vote.
            raise PhaseError("no_voters_yet")
        if election.opens_at is None or aware(election.opens_at) < utcnow():
            # Opened later than announced (or with no time set): the record and the
            # proces-verbaal state when voting really opened, not the announced time.
            election.opens_at = utcnow()
    if to == "closed" and (election.closes_at is None or aware(election.closes_at) > utcnow()):
        election.closes_at = utcnow()
    previous = election.phase
    election.phase = to
    audit.record(session, actor, "election.phase", election_id=election.id, old=previous, new=to)


def options_locked(election: Election) -> bool:
    """True once voting has started: options, rule and roll are fixed from then on."""
    return PHASES.index(election.phase) >= PHASES.index("voting")


class SetupError(CodedError):
    """An election setting or option change that is not allowed, by code (see
    :attr:`ENGLISH`); :func:`voting.error_words.explain` says it in words."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "rule_does_not_fit_ballot": "rule {rule!r} does not fit a {ballot_type!r} ballot",
        "budget_needs_budget_rule": "a buurtbudget needs a budget rule",
        "referendum_without_budget_rule": "a referendum cannot be counted by a budget rule",
        "budget_amount_missing": "the budget is missing",
        "split_total_missing": "a split ballot needs the total to split (points or euros)",
        "points_per_voter_missing": "a points ballot needs the number of points per resident",
        "single_winner_rule": "rule {rule!r} elects one winner, not {seats}",
        "settings_locked": "voting has started: options, rule and roll are fixed",
        "negative_cost": "a cost cannot be negative",
        "cost_missing": "a proposal in a buurtbudget costs more than 0",
        "cost_over_budget": "the proposal costs more than the whole budget",
        "review_phase_only": "proposals are reviewed in the phase 'review'",
        "rejection_needs_reason": "a rejection needs a reason",
    }


def check_settings(
    *,
    kind: str,
    ballot_type: str,
    rule: str,
    budget: int | None,
    seats: int,
    max_points: int | None = None,
) -> None:
    """Raise :class:`SetupError` if the combination cannot be counted (which rule
    fits which ballot and kind comes from the rule registry, ``ballots.methods``)."""
    known = RULES.get(rule)
    if known is None or ballot_type not in set(BallotKind) or not known.accepts(ballot_type):
        raise SetupError("rule_does_not_fit_ballot", rule=rule, ballot_type=ballot_type)
    if kind == "budget" and not known.budget:
        raise SetupError("budget_needs_budget_rule")
    if kind == "referendum" and known.budget:
        raise SetupError("referendum_without_budget_rule")
    if kind == "budget" and not budget:
        raise SetupError("budget_amount_missing")
    if known.splits and not budget:
        raise SetupError("split_total_missing")
    if ballot_type == "points" and not max_points:
        raise SetupError("points_per_voter_missing")
    if seats > 1 and known.single_winner:
        raise SetupError("single_winner_rule", rule=rule, seats=seats)


def ensure_editable(election: Election) -> None:
    """Raise :class:`SetupError` once voting has started: options, rule and roll
    are fixed from then on."""
    if options_locked(election):
        raise SetupError("settings_locked")


def _check_cost(election: Election, cost: int) -> None:
    """What an option of ``election`` may cost; raises :class:`SetupError`."""
    if cost < 0:
        raise SetupError("negative_cost")
    if election.is_budget and cost == 0:
        # A proposal that costs nothing is funded whatever the votes: almost always a
        # cost left empty by mistake.
        raise SetupError("cost_missing")
    if election.is_budget and election.budget is not None and cost > election.budget:
        raise SetupError("cost_over_budget")


def add_option(
    session: Session,
    election: Election,
    *,
    title: str,
    summary: str = "",
    description: str = "",
    cost: int = 0,
    actor: str,
    organiser_id: int | None = None,
    submitter_name: str = "",
    review_status: str = "accepted",
    title_en: str = "",
    summary_en: str = "",
    description_en: str = "",
) -> Option:
    """Add an option (referendum) or proposal (budget) with the next free key
    (``*_en``: the optional English texts)."""
    ensure_editable(election)
    _check_cost(election, cost)
    prefix = "P" if election.is_budget else ""
    taken = {o.key for o in election.options}
    number = len(election.options) + 1
    key = _option_key(prefix, number)
    while key in taken:
        number += 1
        key = _option_key(prefix, number)
    option = Option(
        key=key,
        position=number,
        title=title,
        summary=summary,
        description=description,
        title_en=title_en,
        summary_en=summary_en,
        description_en=description_en,
        cost=cost,
        organiser_id=organiser_id,
        submitter_name=submitter_name,
        review_status=review_status,
    )
    election.options.append(option)
    session.flush()
    audit.record(
        session, actor, "option.add", election_id=election.id, key=key, title=title, cost=cost
    )
    return option


def _option_key(prefix: str, number: int) -> str:
    # Referendum options are lettered like on a paper ballot (A, B, C ...).
    if not prefix and number <= 26:
        return chr(ord("A") + number - 1)
    return f"{prefix or 'O'}{number:02d}"


def remove_option(session: Session, election: Election, option: Option, *, actor: str) -> None:
    """Take an option off the ballot before voting starts."""
    ensure_editable(election)
    election.options.remove(option)
    audit.record(session, actor, "option.remove", election_id=election.id, key=option.key)


def review_proposal(
    session: Session, option: Option, *, accept: bool, reason: str, actor: str
) -> None:
    """The clerk's verdict on a submitted proposal; a rejection needs a reason that
    the organiser will read."""
    election = option.election
    if election.phase not in ("proposals", "review"):
        raise SetupError("review_phase_only")
    if not accept and not reason.strip():
        raise SetupError("rejection_needs_reason")
    option.review_status = "accepted" if accept else "rejected"
    option.review_reason = reason.strip()
    audit.record(
        session,
        actor,
        "proposal.review",
        election_id=election.id,
        key=option.key,
        verdict=option.review_status,
        reason=option.review_reason,
    )


def update_option(
    session: Session,
    option: Option,
    *,
    title: str,
    summary: str,
    description: str,
    cost: int,
    actor: str,
    title_en: str | None = None,
    summary_en: str | None = None,
    description_en: str | None = None,
) -> None:
    """Change an option or proposal before voting starts (audited with old and new
    cost, since cost decides what a budget can fund). English texts left None stay
    as they are."""
    election = option.election
    ensure_editable(election)
    _check_cost(election, cost)
    old_cost = option.cost
    option.title, option.summary, option.description, option.cost = (
        title,
        summary,
        description,
        cost,
    )
    for name, value in (
        ("title_en", title_en),
        ("summary_en", summary_en),
        ("description_en", description_en),
    ):
        if value is not None:
            setattr(option, name, value)
    audit.record(
        session,
        actor,
        "option.update",
        election_id=election.id,
        key=option.key,
        old_cost=old_cost,
        new_cost=cost,
    )
