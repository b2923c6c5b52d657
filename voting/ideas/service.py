"""Ideas: cost lines that add up, a photo without metadata, the per-code limit, and the
clerk's merge of duplicates.

A resident's idea is not a ballot: it is published with its texts, and it carries no
code, roll entry or time finer than its row's own. The limit is counted on the
process code row (``ideas_used``) in the same transaction that stores the idea, with
an ``UPDATE ... WHERE ideas_used < limit`` so two tabs cannot both pass it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ballots.errors import CodedError
from voting import audit, elections, theme_budgets
from voting.follow_up.uploads import UploadRefused, clean_upload
from voting.models import Attachment, Election, Option, Process, ProcessCode, ProcessStage
from voting.money_field import parse_euros
from voting.processes.service import ideas_open

MAX_COST_LINES = 8
DEFAULT_IMAGE_MAX_BYTES = 5 * 1024 * 1024


class IdeaError(CodedError):
    """An idea cannot be taken as sent (see :attr:`ENGLISH`)."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "cost_lines_missing": "give at least one cost line: what it is and what it costs",
        "cost_line_item": "cost line {line}: say what the money is for",
        "cost_line_amount": "cost line {line}: the amount must be whole euros, 0 or more",
        "cost_lines_sum": "the cost lines add up to {lines_amount}, not to the total of "
        "{total_amount}",
        "idea_total_zero": "the idea must cost more than 0 euros",
        "ideas_closed": "this buurtbudget does not take ideas now",
        "idea_limit": "this code has sent in {limit} ideas, the most allowed",
        "image_type": "the photo must be a JPEG or PNG file",
        "image_too_large": "the photo is too large (at most {megabytes} MB)",
        "image_broken": "the photo cannot be read",
        "theme_unknown": "choose one of the themes",
        "merge_same": "a proposal cannot be merged with itself",
        "merge_other_election": "both proposals must belong to the same buurtbudget",
        "merge_phase": "proposals are merged before voting begins",
        "merge_target_gone": "the proposal to merge into is not on the ballot",
    }


@dataclass(frozen=True)
class CostLine:
    """One line of an idea's cost: what, and how many whole euros."""

    item: str
    amount: int


def parse_cost_lines(
    form: Mapping[str, str], total: int | None = None, *, rows: int = MAX_COST_LINES
) -> list[CostLine]:
    """The cost lines of a form (fields ``kosten-post-N`` and ``kosten-bedrag-N``, N from
    1); empty rows are skipped. With ``total``, the lines must add up to it exactly.

    Raises :class:`IdeaError` with the line number for a line without an item or with
    an amount that is not whole euros, or when the lines do not add up.
    """
    lines: list[CostLine] = []
    for number in range(1, rows + 1):
        item = (form.get(f"kosten-post-{number}") or "").strip()
        raw = (form.get(f"kosten-bedrag-{number}") or "").strip()
        if not item and not raw:
            continue
        if not item:
            raise IdeaError("cost_line_item", line=number)
        amount = parse_euros(raw)
        if amount is None or amount > 999_999_999:
            raise IdeaError("cost_line_amount", line=number)
        lines.append(CostLine(item[:200], amount))
    if not lines:
        raise IdeaError("cost_lines_missing")
    given = sum(line.amount for line in lines)
    if given <= 0:
        raise IdeaError("idea_total_zero")
    if total is not None and given != total:
        raise IdeaError("cost_lines_sum", lines_amount=given, total_amount=total)
    return lines


def image_attachment(
    filename: str, data: bytes, max_bytes: int = DEFAULT_IMAGE_MAX_BYTES
) -> Attachment:
    """A photo for an idea: JPEG or PNG only, at most ``max_bytes``, decoded and saved
    again without EXIF, GPS or any other metadata (:mod:`voting.follow_up.uploads`)."""
    try:
        attachment = clean_upload(filename, data, max_bytes)
    except UploadRefused as refused:
        if refused.code == "too_large":
            raise IdeaError("image_too_large", megabytes=max_bytes // (1024 * 1024)) from None
        if refused.code == "broken":
            raise IdeaError("image_broken") from None
        raise IdeaError("image_type") from None
    if not attachment.content_type.startswith("image/"):
        raise IdeaError("image_type")
    return attachment


def stage_taking_ideas(session: Session, election: Election) -> ProcessStage | None:
    """The process stage of ``election`` if it takes residents' ideas now."""
    stage = session.scalar(select(ProcessStage).where(ProcessStage.election_id == election.id))
    return stage if stage is not None and ideas_open(stage) else None


def themes_for(session: Session, election: Election) -> list[str]:
    """The themes an idea for ``election`` can be about, so that each idea names a
    theme that has money: the themes of the split its theme budgets come from, else
    the themes the clerk typed budgets for (voting.theme_budgets), else those of its
    process's split stage (a ``distribution`` election), else of its theme poll, else
    none (the field is then free text)."""
    if election.theme_split_id is not None:
        split = session.get(Election, election.theme_split_id)
        if split is not None:
            return [o.title for o in split.accepted_options()]
    typed = theme_budgets.typed(election)
    if typed:
        return [theme for theme, _amount in typed]
    stage = session.scalar(select(ProcessStage).where(ProcessStage.election_id == election.id))
    if stage is None:
        return []
    others = session.scalars(
        select(Election)
        .join(ProcessStage, ProcessStage.election_id == Election.id)
        .where(ProcessStage.process_id == stage.process_id, Election.id != election.id)
        .order_by(ProcessStage.position)
    ).all()
    for kind in ("distribution", "approval"):
        for other in others:
            if other.ballot_type == kind and not other.is_budget:
                return [o.title for o in other.accepted_options()]
    return []


def ideas_left(session: Session, process: Process, code: ProcessCode) -> int:
    """How many more ideas the resident holding ``code`` may send in (ideas sent with
    their earlier, replaced letters count too)."""
    used = session.scalar(
        select(func.coalesce(func.sum(ProcessCode.ideas_used), 0)).where(
            ProcessCode.process_id == process.id,
            ProcessCode.resident_key == code.resident_key,
        )
    )
    return max(0, process.ideas_per_code - int(used or 0))


@dataclass(frozen=True)
class IdeaText:
    """What a resident or organiser writes about an idea."""

    title: str
    summary: str
    description: str
    theme: str
    location: str
    submitter_name: str = ""


def submit_idea(
    session: Session,
    election: Election,
    text: IdeaText,
    lines: Sequence[CostLine],
    *,
    actor: str,
    code: ProcessCode | None = None,
    organiser_id: int | None = None,
    image: Attachment | None = None,
) -> Option:
    """Store an idea as a submitted proposal of ``election``, for the clerk to check.

    With ``code`` (a resident's process code) the buurtbudget must take ideas now and
    the code must have ideas left; the count goes up in the same transaction.
    Raises :class:`IdeaError` or :class:`voting.elections.SetupError`. Commits.
    """
    themes = themes_for(session, election)
    if themes and text.theme and text.theme not in themes:
        raise IdeaError("theme_unknown")
    if code is not None:
        stage = stage_taking_ideas(session, election)
        if stage is None or stage.process_id != code.process_id:
            raise IdeaError("ideas_closed")
        process = stage.process
        earlier = int(
            session.scalar(
                select(func.coalesce(func.sum(ProcessCode.ideas_used), 0)).where(
                    ProcessCode.process_id == process.id,
                    ProcessCode.resident_key == code.resident_key,
                    ProcessCode.id != code.id,
                )
            )
            or 0
        )
        counted = session.execute(
            update(ProcessCode)
            .where(
                ProcessCode.id == code.id,
                ProcessCode.revoked_at.is_(None),
                ProcessCode.ideas_used + earlier < process.ideas_per_code,
            )
            .values(ideas_used=ProcessCode.ideas_used + 1)
            .execution_options(synchronize_session=False)
        )
        if counted.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise IdeaError("idea_limit", limit=process.ideas_per_code)
    try:
        option = elections.add_option(
            session,
            election,
            title=text.title.strip(),
            summary=text.summary.strip(),
            description=text.description.strip(),
            cost=sum(line.amount for line in lines),
            actor=actor,
            organiser_id=organiser_id,
            submitter_name=text.submitter_name.strip(),
            review_status="submitted",
        )
    except BaseException:
        session.rollback()
        raise
    option.theme = text.theme.strip()[:100]
    option.location = text.location.strip()[:200]
    option.cost_lines_json = json.dumps(
        [{"item": line.item, "amount": line.amount} for line in lines], ensure_ascii=False
    )
    option.from_resident = code is not None
    if image is not None:
        session.add(image)
        session.flush()
        option.image_id = image.id
    session.commit()
    return option


def merge(session: Session, duplicate: Option, into: Option, *, actor: str) -> None:
    """Merge ``duplicate`` into ``into``: the duplicate leaves the ballot, its page says
    where it went, and ``into``'s page lists it. Audited; commits."""
    if duplicate.id == into.id:
        raise IdeaError("merge_same")
    if duplicate.election_id != into.election_id:
        raise IdeaError("merge_other_election")
    if duplicate.election.phase not in ("proposals", "review"):
        raise IdeaError("merge_phase")
    if into.review_status in ("rejected", "withdrawn") or into.merged_into_id is not None:
        raise IdeaError("merge_target_gone")
    duplicate.review_status = "rejected"
    duplicate.merged_into_id = into.id
    duplicate.review_reason = f"Samengevoegd met {into.key}: {into.title}"
    # Ideas merged into the duplicate earlier follow it.
    for earlier in session.scalars(select(Option).where(Option.merged_into_id == duplicate.id)):
        earlier.merged_into_id = into.id
    audit.record(
        session,
        actor,
        "proposal.merge",
        election_id=duplicate.election_id,
        key=duplicate.key,
        into=into.key,
    )
    session.commit()


def merged_into(session: Session, option: Option) -> list[Option]:
    """The proposals merged into ``option``."""
    return list(
        session.scalars(
            select(Option).where(Option.merged_into_id == option.id).order_by(Option.id)
        )
    )


def has_cost_rows(form: Mapping[str, str], rows: int = MAX_COST_LINES) -> bool:
    """True if any cost row of ``form`` has something typed in it."""
    return any(
        (form.get(f"kosten-post-{n}") or "").strip()
        or (form.get(f"kosten-bedrag-{n}") or "").strip()
        for n in range(1, rows + 1)
    )


def set_details(
    session: Session,
    option: Option,
    *,
    theme: str,
    location: str,
    lines: Sequence[CostLine] | None,
    image: Attachment | None,
) -> None:
    """Give an organiser's proposal the fields of an idea: theme, place, cost lines
    (``None`` keeps the ones it has) and a new photo (``None`` keeps the old one).
    Raises :class:`IdeaError` for a theme not on the process's list. Does not commit."""
    themes = themes_for(session, option.election)
    if themes and theme and theme not in themes:
        raise IdeaError("theme_unknown")
    option.theme = theme.strip()[:100]
    option.location = location.strip()[:200]
    if lines is not None:
        option.cost_lines_json = json.dumps(
            [{"item": line.item, "amount": line.amount} for line in lines], ensure_ascii=False
        )
    if image is not None:
        session.add(image)
        session.flush()
        option.image_id = image.id
