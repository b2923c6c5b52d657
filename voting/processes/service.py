"""Processes (trajecten): several elections run as the stages of one decision, with one
letter per resident (issue #13).

Oud-Woensel 2021 ran four steps: a theme poll, a budget split over the themes, ideas
from residents, and the vote on the ideas. Here each voting step is an ordinary
election with its own phase, dates, rule, roll, sealed box and record; the ideas step
is the proposals phase of the buurtbudget stage, with its own dates. This module keeps
the grouping and its order, and draws the one timeline residents see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ballots.errors import CodedError
from voting import audit
from voting.elections import options_locked
from voting.models import Election, Option, Process, ProcessCode, ProcessStage, aware, utcnow
from voting.tally import stored_result

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Before these phases nothing of a stage has reached residents, so it may still move.
_NOT_STARTED = ("draft", "proposals", "review")


class ProcessError(CodedError):
    """A process cannot be set up or changed this way (see :attr:`ENGLISH`)."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "process_title_missing": "a process needs a title",
        "process_slug_bad": "the web address may hold only a-z, 0-9 and dashes",
        "process_slug_taken": "another process has this web address",
        "stage_in_a_process": "this election is a stage of a process already",
        "stages_fixed": "letters were printed: the stages they name can no longer change",
        "ideas_need_budget": "only a buurtbudget stage takes ideas",
        "ideas_dates_order": "the ideas window closes before it opens",
        "ideas_limit_bad": "the number of ideas per code must be between 0 and 20",
        "carry_not_certified": "the earlier step has no certified result yet",
        "carry_target_started": "the options of a step can change only while it is a draft",
        "carry_order": "winners go from an earlier step to a later one",
        "theme_split_needs_budget": "only a buurtbudget stage has budgets per theme",
        "theme_split_started": "voting has started: the budgets per theme are fixed",
        "theme_split_source": "budgets per theme come from an earlier split stage",
        "theme_split_typed": "the vote has typed budgets per theme: remove them first",
        "leftover_bad": "money a theme leaves either stays unspent or is pooled",
        "theme_split_linked": "step {split} gives step {vote} its budgets per theme: unlink "
        "them first",
    }


def create_process(
    session: Session,
    *,
    slug: str,
    title: str,
    actor: str,
    description: str = "",
    title_en: str = "",
    description_en: str = "",
    municipality: str = "",
    ideas_per_code: int = 3,
) -> Process:
    """A new, empty process. Audited; commits. Raises :class:`ProcessError`."""
    process = Process(slug=slug.strip())
    _apply(
        session,
        process,
        title=title,
        description=description,
        title_en=title_en,
        description_en=description_en,
        municipality=municipality,
        ideas_per_code=ideas_per_code,
    )
    session.add(process)
    session.flush()
    audit.record(session, actor, "process.create", process_id=process.id, slug=process.slug)
    session.commit()
    return process


def update_process(
    session: Session,
    process: Process,
    *,
    title: str,
    actor: str,
    description: str = "",
    title_en: str = "",
    description_en: str = "",
    municipality: str = "",
    ideas_per_code: int = 3,
) -> None:
    """Change the texts and the ideas limit of ``process``. Audited; commits."""
    _apply(
        session,
        process,
        title=title,
        description=description,
        title_en=title_en,
        description_en=description_en,
        municipality=municipality,
        ideas_per_code=ideas_per_code,
    )
    audit.record(session, actor, "process.update", process_id=process.id)
    session.commit()


def _apply(
    session: Session,
    process: Process,
    *,
    title: str,
    description: str,
    title_en: str,
    description_en: str,
    municipality: str,
    ideas_per_code: int,
) -> None:
    if not title.strip():
        raise ProcessError("process_title_missing")
    if not SLUG.match(process.slug or "") or len(process.slug) > 80:
        raise ProcessError("process_slug_bad")
    other = session.scalar(select(Process.id).where(Process.slug == process.slug))
    if other is not None and other != process.id:
        raise ProcessError("process_slug_taken")
    if not 0 <= ideas_per_code <= 20:
        raise ProcessError("ideas_limit_bad")
    process.title = title.strip()
    process.description = description.strip()
    process.title_en = title_en.strip()
    process.description_en = description_en.strip()
    process.municipality = municipality.strip()
    process.ideas_per_code = ideas_per_code


def letters_printed(session: Session, process: Process) -> bool:
    """True once any letter code of ``process`` exists: the letters name the stages."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(ProcessCode)
            .where(ProcessCode.process_id == process.id)
        )
    )


def free_elections(session: Session) -> list[Election]:
    """Elections that are in no process yet and have not started: stages to add."""
    taken = select(ProcessStage.election_id)
    return list(
        session.scalars(
            select(Election)
            .where(Election.id.not_in(taken), Election.phase.in_(_NOT_STARTED))
            .order_by(Election.id)
        )
    )


def add_stage(
    session: Session, process: Process, election: Election, *, actor: str
) -> ProcessStage:
    """Add ``election`` as the last stage of ``process``. Audited; commits.

    Raises :class:`ProcessError` if it is in a process already or letters were printed.
    """
    if letters_printed(session, process):
        raise ProcessError("stages_fixed")
    if session.scalar(select(ProcessStage.id).where(ProcessStage.election_id == election.id)):
        raise ProcessError("stage_in_a_process")
    position = max((s.position for s in process.stages), default=-1) + 1
    stage = ProcessStage(process=process, election=election, position=position)
    session.add(stage)
    session.flush()
    audit.record(
        session, actor, "process.stage.add", election_id=election.id, process_id=process.id
    )
    session.commit()
    return stage


def _check_theme_split_links(process: Process, after: list[ProcessStage]) -> None:
    """Refuse the stages ``after`` a move or a removal when a buurtbudget stage of
    ``process`` that takes its budgets per theme from one of its split stages would no
    longer have that split before it (the split moved after it or left, or the vote
    itself left). The link is the vote's own setting; clearing it behind the clerk's
    back would change the count, so the clerk unlinks it first."""
    now = {s.election_id: n for n, s in enumerate(process.stages, start=1)}
    then = {s.election_id: n for n, s in enumerate(after, start=1)}
    for vote in process.stages:
        split_id = vote.election.theme_split_id
        if split_id not in now:  # no link, or a split outside this process
            continue
        kept = (
            vote.election_id in then
            and split_id in then
            and then[split_id] < then[vote.election_id]
        )
        if not kept:
            raise ProcessError(
                "theme_split_linked", split=now[split_id], vote=now[vote.election_id]
            )


def move_stage(
    session: Session, process: Process, stage: ProcessStage, step: int, *, actor: str
) -> None:
    """Move ``stage`` one place earlier (``step`` -1) or later (+1). Audited; commits.
    Raises :class:`ProcessError` when letters exist or the move would put a split after
    the vote that takes its budgets per theme from it."""
    if letters_printed(session, process):
        raise ProcessError("stages_fixed")
    ordered = list(process.stages)
    index = ordered.index(stage)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _check_theme_split_links(process, ordered)
    for position, each in enumerate(ordered):
        each.position = position
    audit.record(
        session,
        actor,
        "process.stage.move",
        election_id=stage.election_id,
        process_id=process.id,
        position=ordered.index(stage),
    )
    session.commit()
    session.refresh(process)


def remove_stage(session: Session, process: Process, stage: ProcessStage, *, actor: str) -> None:
    """Take ``stage`` out of ``process`` (the election itself stays). Audited; commits.
    Raises :class:`ProcessError` when letters exist, or when the stage is a split that
    gives a later vote its budgets per theme or such a vote (unlink them first)."""
    if letters_printed(session, process):
        raise ProcessError("stages_fixed")
    _check_theme_split_links(process, [s for s in process.stages if s is not stage])
    election_id = stage.election_id
    process.stages.remove(stage)
    for position, each in enumerate(process.stages):
        each.position = position
    audit.record(
        session, actor, "process.stage.remove", election_id=election_id, process_id=process.id
    )
    session.commit()


def set_ideas_window(
    session: Session,
    stage: ProcessStage,
    *,
    takes_ideas: bool,
    opens_at: datetime | None,
    closes_at: datetime | None,
    actor: str,
) -> None:
    """Let a buurtbudget stage take residents' ideas in its proposals phase, between
    ``opens_at`` and ``closes_at`` (either may be open-ended). Audited; commits."""
    if takes_ideas and not stage.election.is_budget:
        raise ProcessError("ideas_need_budget")
    if opens_at and closes_at and aware(closes_at) <= aware(opens_at):
        raise ProcessError("ideas_dates_order")
    stage.takes_ideas = takes_ideas
    stage.ideas_opens_at = opens_at if takes_ideas else None
    stage.ideas_closes_at = closes_at if takes_ideas else None
    audit.record(
        session,
        actor,
        "process.stage.ideas",
        election_id=stage.election_id,
        process_id=stage.process_id,
        takes_ideas=takes_ideas,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    session.commit()


def split_sources(process: Process, stage: ProcessStage) -> list[ProcessStage]:
    """The stages before ``stage`` that split a total over themes (a ``distribution``
    ballot): where a buurtbudget stage can take its budget per theme from."""
    return [
        s
        for s in process.stages
        if s.position < stage.position and s.election.ballot_type == "distribution"
    ]


def theme_split_targets(process: Process) -> list[tuple[ProcessStage, list[ProcessStage]]]:
    """Each buurtbudget stage that has an earlier split stage, with those splits."""
    pairs = []
    for stage in process.stages:
        sources = split_sources(process, stage) if stage.election.is_budget else []
        if sources:
            pairs.append((stage, sources))
    return pairs


def set_theme_split(
    session: Session,
    stage: ProcessStage,
    source: ProcessStage | None,
    *,
    leftover: str,
    actor: str,
) -> None:
    """Let buurtbudget ``stage`` take its budget per theme from the outcome of the
    earlier split stage ``source`` (``None``: no budgets from a split), and say what
    happens to money a theme leaves (``unspent`` or ``pooled``).

    This can be chosen before the split is certified: the amounts follow from its
    certified outcome, and the vote cannot open before that
    (:func:`voting.elections.advance`). Audited; commits. Raises :class:`ProcessError`.
    """
    election = stage.election
    if not election.is_budget:
        raise ProcessError("theme_split_needs_budget")
    if options_locked(election):
        raise ProcessError("theme_split_started")
    if source is not None and source not in split_sources(stage.process, stage):
        raise ProcessError("theme_split_source")
    if source is not None and election.theme_budgets:
        raise ProcessError("theme_split_typed")
    if leftover not in ("unspent", "pooled"):
        raise ProcessError("leftover_bad")
    election.theme_split_id = source.election_id if source is not None else None
    election.leftover = leftover
    audit.record(
        session,
        actor,
        "process.stage.theme_split",
        election_id=election.id,
        process_id=stage.process_id,
        split_election_id=election.theme_split_id,
        leftover=leftover,
    )
    session.commit()


def carry_targets(process: Process) -> list[tuple[ProcessStage, ProcessStage]]:
    """(from, to) pairs where ``to`` can take the winners of ``from``: ``from`` is
    certified, ``to`` comes later, is no buurtbudget and is still a draft."""
    pairs = []
    for later in process.stages:
        if later.election.is_budget or later.election.phase != "draft":
            continue
        for earlier in process.stages:
            if earlier.position < later.position and earlier.election.phase == "certified":
                pairs.append((earlier, later))
    return pairs


def carry_winners(
    session: Session, source: ProcessStage, target: ProcessStage, *, actor: str
) -> list[str]:
    """Make the winners of ``source``'s certified result the options of ``target``
    (a draft): the themes chosen in the poll become the themes of the split. Returns
    their titles. Audited; commits. Raises :class:`ProcessError`."""
    if source.process_id != target.process_id or source.position >= target.position:
        raise ProcessError("carry_order")
    if target.election.phase != "draft" or target.election.is_budget:
        raise ProcessError("carry_target_started")
    result = stored_result(source.election)
    if source.election.phase != "certified" or result is None:
        raise ProcessError("carry_not_certified")
    by_key = {o.key: o for o in source.election.options}
    winners = [by_key[key] for key in result.winners if key in by_key]
    election = target.election
    for option in list(election.options):
        election.options.remove(option)
    session.flush()
    for position, winner in enumerate(winners, start=1):
        election.options.append(
            Option(
                key=winner.key,
                position=position,
                title=winner.title,
                summary=winner.summary,
                description=winner.description,
                title_en=winner.title_en,
                summary_en=winner.summary_en,
                description_en=winner.description_en,
            )
        )
    audit.record(
        session,
        actor,
        "process.carry_winners",
        election_id=election.id,
        process_id=target.process_id,
        source_election_id=source.election_id,
        keys=[w.key for w in winners],
    )
    session.commit()
    return [w.title for w in winners]


def process_of(session: Session, election: Election | int) -> Process | None:
    """The process ``election`` is a stage of, or None."""
    election_id = election if isinstance(election, int) else election.id
    return session.scalar(
        select(Process)
        .join(ProcessStage, ProcessStage.process_id == Process.id)
        .where(ProcessStage.election_id == election_id)
    )


def stage_of(session: Session, election: Election | int) -> ProcessStage | None:
    """The stage row of ``election``, or None if it is in no process."""
    election_id = election if isinstance(election, int) else election.id
    return session.scalar(select(ProcessStage).where(ProcessStage.election_id == election_id))


# --- The timeline -----------------------------------------------------------------------

STEP_STATES = ("upcoming", "open", "closed", "done")


@dataclass(frozen=True)
class Step:
    """One step on the public timeline: an ideas window or a vote.

    ``state`` is ``upcoming`` (not begun), ``open`` (residents can take part now),
    ``closed`` (over, result not yet certified) or ``done`` (result published, or for
    ideas: the ideas are on the ballot).
    """

    kind: str  # "ideas" or "vote"
    election: Election
    number: int
    opens_at: datetime | None
    closes_at: datetime | None
    state: str


def ideas_open(stage: ProcessStage, now: datetime | None = None) -> bool:
    """True while ``stage`` takes residents' ideas: its election is in the proposals
    phase and ``now`` is inside the ideas window."""
    now = now or utcnow()
    if not stage.takes_ideas or stage.election.phase != "proposals":
        return False
    if stage.ideas_opens_at and now < aware(stage.ideas_opens_at):
        return False
    return not (stage.ideas_closes_at and now >= aware(stage.ideas_closes_at))


def _ideas_state(stage: ProcessStage, now: datetime) -> str:
    phase = stage.election.phase
    if ideas_open(stage, now):
        return "open"
    if phase == "draft" or (
        phase == "proposals" and stage.ideas_opens_at and now < aware(stage.ideas_opens_at)
    ):
        return "upcoming"
    if phase in ("proposals", "review"):
        return "closed"
    return "done"


def _vote_state(election: Election, now: datetime) -> str:
    if election.phase == "certified":
        return "done"
    if election.is_open(now):
        return "open"
    if election.phase in _NOT_STARTED:
        return "upcoming"
    if election.phase == "voting" and election.opens_at and now < aware(election.opens_at):
        return "upcoming"
    return "closed"


def timeline(process: Process, now: datetime | None = None) -> list[Step]:
    """The steps of ``process`` in order, numbered from 1, each with its dates and
    state: a buurtbudget stage that takes ideas gives an ideas step before its vote."""
    now = now or utcnow()
    steps: list[Step] = []
    for stage in process.stages:
        election = stage.election
        if stage.takes_ideas:
            steps.append(
                Step(
                    "ideas",
                    election,
                    len(steps) + 1,
                    stage.ideas_opens_at,
                    stage.ideas_closes_at,
                    _ideas_state(stage, now),
                )
            )
        steps.append(
            Step(
                "vote",
                election,
                len(steps) + 1,
                election.opens_at,
                election.closes_at,
                _vote_state(election, now),
            )
        )
    return steps


def current_step(steps: list[Step]) -> Step | None:
    """The step residents can take part in now, else the next one to come, else None."""
    for state in ("open", "upcoming"):
        for step in steps:
            if step.state == state:
                return step
    return None
