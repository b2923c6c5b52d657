"""The whole Buurtstem domain as SQLAlchemy 2.0 typed models.

Constraints live in the database too (check constraints, unique indexes), so a bug in
Python or a hand-typed SQL statement cannot store a negative cost or an unknown phase.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ballots.methods import RULES as COUNTING_RULES
from voting.db import Base


class RecordText(TypeDecorator[str]):
    """Text that SQLite may hold as UTF-8 bytes: a certified record is written there in
    slices into a zero-filled BLOB (voting.published.store_record_text), because a
    TEXT value of 150 MB can only be stored whole. Read back, it is text again."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        """The stored text as ``str``, whichever way SQLite holds it."""
        if isinstance(value, bytes):
            return value.decode("utf-8")
        return value  # type: ignore[no-any-return]


KINDS = ("referendum", "budget")
BALLOT_TYPES = ("ranked", "approval", "budget", "single", "distribution", "points")
# Every counting rule the library offers; the database check constraint lists the same
# names (a test compares them, and a new rule needs a migration).
RULES = tuple(COUNTING_RULES)
# One way only; budget elections pass through proposals and review.
PHASES = ("draft", "proposals", "review", "voting", "closed", "counted", "certified")
REVIEW_STATUSES = ("submitted", "accepted", "rejected", "withdrawn")
ROLES = ("organiser", "clerk", "admin")
CHANNELS = ("online", "paper")
# How a code was used: online, on paper, or online on a town-hall desk's computer.
CAST_CHANNELS = ("online", "paper", "desk")
PAPER_ENTRY_STATUSES = ("pending", "mismatch")


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def random_id() -> str:
    """A random, unguessable row id (no order, no time in it)."""
    return secrets.token_hex(16)


class Election(Base):
    """A referendum or a buurtbudget, with everything fixed before voting opens."""

    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="ck_elections_kind"),
        CheckConstraint(_in("ballot_type", BALLOT_TYPES), name="ck_elections_ballot_type"),
        CheckConstraint(_in("rule", RULES), name="ck_elections_rule"),
        CheckConstraint(_in("phase", PHASES), name="ck_elections_phase"),
        CheckConstraint("seats >= 1", name="ck_elections_seats"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="ck_elections_budget"),
        CheckConstraint(
            "turnout_threshold_percent >= 0 AND turnout_threshold_percent <= 100",
            name="ck_elections_threshold",
        ),
        CheckConstraint("min_choices IS NULL OR min_choices >= 0", name="ck_elections_min_choices"),
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="ck_elections_max_choices"),
        CheckConstraint("kind <> 'budget' OR budget IS NOT NULL", name="ck_elections_budget_set"),
        CheckConstraint("min_age >= 0 AND min_age <= 120", name="ck_elections_min_age"),
        CheckConstraint("max_points IS NULL OR max_points >= 1", name="ck_elections_max_points"),
        CheckConstraint("split_unit IN ('euro', 'points')", name="ck_elections_split_unit"),
        CheckConstraint(
            "min_spend_percent >= 0 AND min_spend_percent <= 100", name="ck_elections_min_spend"
        ),
        CheckConstraint("leftover IN ('unspent', 'pooled')", name="ck_elections_leftover"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Optional English texts, shown on English pages when the clerk gave them
    # (voting.bilingual); the Dutch ones are the official texts and go into the record.
    title_en: Mapped[str] = mapped_column(String(200), default="")
    question_en: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    ballot_type: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(40))
    seats: Mapped[int] = mapped_column(Integer, default=1)
    budget: Mapped[int | None] = mapped_column(Integer, nullable=True)  # whole euros
    min_choices: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_choices: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Points ballots: how many points each resident spreads over the proposals.
    max_points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Split ballots: whether the total (``budget``) is euros or points (voting.weighted).
    split_unit: Mapped[str] = mapped_column(String(10), default="points", server_default="points")
    # Budget ballots: the least share of the budget a ballot must spend (0: none).
    min_spend_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Per-theme budgets (voting.theme_budgets): from a certified split, or typed as
    # JSON [[theme, amount], ...]; what a theme leaves is "unspent" or "pooled".
    theme_budgets: Mapped[str] = mapped_column(Text, default="", server_default="")
    theme_split_id: Mapped[int | None] = mapped_column(
        ForeignKey("elections.id", name="fk_elections_theme_split"), nullable=True
    )
    leftover: Mapped[str] = mapped_column(String(10), default="unspent", server_default="unspent")
    allow_blank: Mapped[bool] = mapped_column(Boolean, default=False)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    turnout_threshold_percent: Mapped[int] = mapped_column(Integer, default=0)
    binding: Mapped[bool] = mapped_column(Boolean, default=False)
    tie_break_seed: Mapped[str] = mapped_column(String(100), default="")
    phase: Mapped[str] = mapped_column(String(20), default="draft")
    # Eligibility for the roll import.
    min_age: Mapped[int] = mapped_column(Integer, default=16)
    postcode_filter: Mapped[str] = mapped_column(String(500), default="")
    neighbourhood_filter: Mapped[str] = mapped_column(String(500), default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    counted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    certified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Deferred: the front page and the results list load every election, and a record
    # of a large election is many megabytes; only the pages that need them read them.
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    record_json: Mapped[str | None] = mapped_column(RecordText, nullable=True, deferred=True)
    # What the clerk reviews before certifying, worked out at the count (voting.tally):
    # the record to be, without its ballots and receipts. A few kilobytes.
    review_json: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    # The sealed ballot box (voting.ballot_box): the public half of its key (hex),
    # how many key holders' shares open it, the holders' names (JSON list), and
    # whether it was opened. The private key is never stored.
    box_public_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    box_threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    box_holders: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    box_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When the opened box's deleted sealed rows were gone from the database files
    # (voting.ballot_box.purge_sealed); empty while a transaction may still keep them.
    box_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Paper ballots count only when a second clerk enters the same choices.
    double_entry: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    options: Mapped[list[Option]] = relationship(
        back_populates="election", order_by="Option.position", cascade="all, delete-orphan"
    )

    @property
    def is_budget(self) -> bool:
        """True for a buurtbudget."""
        return self.kind == "budget"

    def accepted_options(self) -> list[Option]:
        """The options or proposals that are on the ballot."""
        return [o for o in self.options if o.review_status == "accepted"]

    def is_open(self, now: datetime | None = None) -> bool:
        """True while residents can vote: in the voting phase and inside the window."""
        now = now or utcnow()
        if self.phase != "voting":
            return False
        if self.opens_at and now < aware(self.opens_at):
            return False
        return not (self.closes_at and now >= aware(self.closes_at))


def aware(moment: datetime) -> datetime:
    """``moment`` with its UTC zone restored (SQLite returns naive datetimes)."""
    # SQLite hands back naive datetimes even for timezone=True columns; we store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Option(Base):
    """An option of a referendum or a proposal of a buurtbudget.

    ``key`` is the short, stable id ballots and published records use (``A``, ``P07``).
    """

    __tablename__ = "options"
    __table_args__ = (
        UniqueConstraint("election_id", "key", name="uq_options_election_key"),
        CheckConstraint("cost >= 0", name="ck_options_cost"),
        CheckConstraint(_in("review_status", REVIEW_STATUSES), name="ck_options_review_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Optional English texts (see Election.title_en).
    title_en: Mapped[str] = mapped_column(String(200), default="")
    summary_en: Mapped[str] = mapped_column(String(500), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int] = mapped_column(Integer, default=0)  # whole euros
    image_url: Mapped[str] = mapped_column(String(500), default="")
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True
    )
    submitter_name: Mapped[str] = mapped_column(String(200), default="")
    review_status: Mapped[str] = mapped_column(String(20), default="accepted")
    review_reason: Mapped[str] = mapped_column(Text, default="")
    # A clerk's correction (e.g. of the cost), shown to residents with the proposal.
    public_note: Mapped[str] = mapped_column(Text, default="")
    # Ideas (issue #13, voting.ideas): the theme and place an idea is about, its cost
    # lines ([{"item": str, "amount": int}], adding up to ``cost``), an uploaded photo
    # (metadata stripped), whether a resident sent it with a letter code, and the
    # proposal a duplicate was merged into (it then leaves the ballot).
    theme: Mapped[str] = mapped_column(String(100), default="", server_default="")
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    cost_lines_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    image_id: Mapped[str | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL"), nullable=True
    )
    from_resident: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("options.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    election: Mapped[Election] = relationship(back_populates="options")
    organiser: Mapped[StaffUser | None] = relationship()

    @property
    def cost_lines(self) -> list[dict[str, Any]]:
        """The cost lines of the proposal (item and whole euros), in order."""
        return list(json.loads(self.cost_lines_json or "[]"))


class RollEntry(Base):
    """One eligible resident of one election, known only by a keyed hash of the
    municipality's person reference: no name, no address."""

    __tablename__ = "roll_entries"
    __table_args__ = (UniqueConstraint("election_id", "voter_key", name="uq_roll_voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VotingCode(Base):
    """A letter code, stored only as HMAC-SHA256(pepper, code).

    At most one unused, unrevoked code per resident: reissuing revokes the old one.
    """

    __tablename__ = "voting_codes"
    __table_args__ = (
        UniqueConstraint("code_hash", name="uq_voting_codes_hash"),
        CheckConstraint("length(code_hash) = 64", name="ck_voting_codes_hash_length"),
        CheckConstraint(
            "NOT (used_at IS NOT NULL AND revoked_at IS NOT NULL)",
            name="ck_voting_codes_used_or_revoked",
        ),
        Index("ix_voting_codes_roll", "roll_entry_id"),
        CheckConstraint(
            "used_channel IS NULL OR " + _in("used_channel", CAST_CHANNELS),
            name="ck_voting_codes_used_channel",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    roll_entry_id: Mapped[int] = mapped_column(ForeignKey("roll_entries.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # How the code voted ("online" or "paper"): the per-channel counts come from here,
    # so no ballot needs to carry its channel.
    used_channel: Mapped[str | None] = mapped_column(String(10), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    roll_entry: Mapped[RollEntry] = relationship()


class SealedBallot(Base):
    """A ballot in the sealed box: encrypted to the election's box key the moment it
    was cast (voting.sealing), unreadable until the key holders open the box after
    closing. A random id, the election, the ciphertext: nothing else, no time."""

    __tablename__ = "sealed_ballots"
    __table_args__ = (Index("ix_sealed_ballots_election", "election_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    sealed: Mapped[str] = mapped_column(Text)


class Ballot(Base):
    """An opened ballot: written only when the box is opened, all at once and in a
    fresh random order, with a random id. No receipt, no channel, no time, no link
    to a code or a voter. ``invalid`` marks a spoiled paper ballot (it counts for
    turnout, not in the tally)."""

    __tablename__ = "ballots"
    __table_args__ = (Index("ix_ballots_election", "election_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(Text)
    invalid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def choices(self) -> list[str]:
        """The option keys on this ballot (in order for ranked ballots)."""
        return list(json.loads(self.content))


class Receipt(Base):
    """A receipt: proof that a ballot went into the box, never what it said. Kept
    apart from the ballots, and published as a separate list."""

    __tablename__ = "receipts"
    __table_args__ = (Index("ix_receipts_election", "election_id"),)

    receipt: Mapped[str] = mapped_column(String(40), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))


class PaperEntry(Base):
    """The first clerk's entry of a paper ballot under double entry, waiting for a
    second clerk. It keeps the code's hash (the code stays unused until the ballot
    counts) and only a keyed digest of the choices, never the choices themselves;
    ``number`` is written on the paper ballot so the clerks find it again."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        UniqueConstraint("code_hash", name="uq_paper_entries_code"),
        CheckConstraint(_in("status", PAPER_ENTRY_STATUSES), name="ck_paper_entries_status"),
        Index("ix_paper_entries_election", "election_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(10))
    clerk: Mapped[str] = mapped_column(String(100))
    second_clerk: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")


class StaffUser(UserMixin, Base):
    """A staff login: an organiser (neighbourhood group), a clerk or an admin."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="ck_staff_users_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Two-factor login (RFC 6238 TOTP): the base32 secret, set when enrolment starts and
    # trusted only once ``totp_confirmed_at`` is set; ``totp_last_step`` is the time step
    # of the last accepted code, so a code seen over a shoulder cannot be used again.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def has_two_factor(self) -> bool:
        """True once the user has confirmed an authenticator app."""
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True if ``password`` matches."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Flask-Login: deactivated users cannot log in."""
        return self.active

    def get_session_token(self) -> str:
        """Flask-Login's id for the cookie: the token of the session opened at login
        (set by ``voting.staff_login.finish``), never the guessable row id."""
        return str(getattr(self, "session_token", "") or "")

    def has_role(self, *roles: str) -> bool:
        """True if the user holds one of ``roles``; admins hold every role."""
        return self.role == "admin" or self.role in roles


class AuditEvent(Base):
    """One staff action, append-only (enforced by triggers in the migration and by
    the ORM listeners below)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_election", "election_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    election_id: Mapped[int | None] = mapped_column(
        ForeignKey("elections.id", ondelete="SET NULL"), nullable=True
    )
    detail: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def details(self) -> dict[str, Any]:
        """The detail JSON as a dict."""
        return dict(json.loads(self.detail or "{}"))


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_args: object) -> None:
    raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_args: object) -> None:
    raise AuditLogIsAppendOnly("audit events cannot be deleted")


# --- Follow-up: council decisions, implementation, mail updates (issue #14) ----------
# A decision is about a *subject*: an election, or a citizens' panel's advice (subject
# "panel_recommendation", with panel_id and the recommendation's number). Decisions and
# project updates are append-only (database triggers in migration 0005): a change is
# a new dated entry, so the history residents read can never be rewritten.

DECISION_SUBJECTS = ("election", "panel_recommendation")
DECIDING_BODIES = ("raad", "college")
DECISION_OUTCOMES = ("adopted", "adopted_in_part", "not_adopted", "pending")
PROJECT_STATUSES = ("planned", "in_progress", "done", "stopped")


class CouncilDecision(Base):
    """What the council (raad) or the executive (college) decided about a result."""

    __tablename__ = "council_decisions"
    __table_args__ = (
        CheckConstraint(_in("subject_type", DECISION_SUBJECTS), name="ck_decisions_subject"),
        CheckConstraint(
            "subject_type <> 'election' OR election_id IS NOT NULL",
            name="ck_decisions_election_set",
        ),
        CheckConstraint(
            "subject_type <> 'panel_recommendation' OR panel_id IS NOT NULL",
            name="ck_decisions_panel_set",
        ),
        CheckConstraint(
            "recommendation IS NULL OR recommendation >= 1", name="ck_decisions_recommendation"
        ),
        CheckConstraint(_in("body", DECIDING_BODIES), name="ck_decisions_body"),
        CheckConstraint(_in("outcome", DECISION_OUTCOMES), name="ck_decisions_outcome"),
        CheckConstraint(
            "source_url = '' OR source_url LIKE 'http://%' OR source_url LIKE 'https://%'",
            name="ck_decisions_source_url",
        ),
        Index("ix_council_decisions_election", "election_id"),
        Index("ix_council_decisions_panel", "panel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(30), default="election")
    election_id: Mapped[int | None] = mapped_column(ForeignKey("elections.id"), nullable=True)
    # A citizens' panel's advice (subject "panel_recommendation"): the panel, and the
    # number of the recommendation decided on (1 = the first; None = the whole advice).
    panel_id: Mapped[int | None] = mapped_column(
        ForeignKey("panels.id", name="fk_council_decisions_panel_id_panels"), nullable=True
    )
    recommendation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))


class ProjectUpdate(Base):
    """The state of one funded proposal or adopted option on a day: status, progress,
    money spent against money granted (in cents). Append-only; the newest counts."""

    __tablename__ = "project_updates"
    __table_args__ = (
        CheckConstraint(_in("status", PROJECT_STATUSES), name="ck_project_updates_status"),
        CheckConstraint(
            "progress_percent >= 0 AND progress_percent <= 100",
            name="ck_project_updates_progress",
        ),
        CheckConstraint("spent_cents >= 0", name="ck_project_updates_spent"),
        CheckConstraint("granted_cents >= 0", name="ck_project_updates_granted"),
        CheckConstraint(
            "status <> 'stopped' OR reason <> ''", name="ck_project_updates_stop_reason"
        ),
        Index("ix_project_updates_option", "option_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    option_id: Mapped[int] = mapped_column(ForeignKey("options.id"))
    updated_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    spent_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    granted_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))


class Attachment(Base):
    """An uploaded photo (metadata stripped) or PDF, kept in the database so every
    worker serves the same bytes and no upload ever touches a file path."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            _in("content_type", ("image/jpeg", "image/png", "application/pdf")),
            name="ck_attachments_type",
        ),
        CheckConstraint("size_bytes >= 0", name="ck_attachments_size"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Milestone(Base):
    """A dated step of a project with a short text and an optional photo or document."""

    __tablename__ = "milestones"
    __table_args__ = (Index("ix_milestones_option", "option_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    option_id: Mapped[int] = mapped_column(ForeignKey("options.id"))
    happened_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachments.id"), nullable=True)
    attachment_alt: Mapped[str] = mapped_column(String(300), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))

    attachment: Mapped[Attachment | None] = relationship()


class MailSubscription(Base):
    """An e-mail address that asked for updates, site-wide (``election_id`` NULL) or
    about one election. Kept apart on purpose: no link to a code, a roll entry, a
    receipt or a ballot, and only dates (never times), so nothing here can be lined
    up with the moment someone voted."""

    __tablename__ = "mail_subscriptions"
    __table_args__ = (
        CheckConstraint(_in("language", ("nl", "en")), name="ck_mail_subscriptions_language"),
        Index("ix_mail_subscriptions_election", "election_id"),
        Index("ix_mail_subscriptions_token", "confirm_token_hash"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    address: Mapped[str] = mapped_column(String(320))
    election_id: Mapped[int | None] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), nullable=True
    )
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # SHA-256 of the confirmation token; cleared once confirmed.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requested_on: Mapped[date] = mapped_column(Date)
    confirmed_on: Mapped[date | None] = mapped_column(Date, nullable=True)


OUTBOX_STATES = ("pending", "failed")


class OutboxMessage(Base):
    """An e-mail waiting to be sent (``voting mail send``). Sent messages are deleted,
    so addresses do not pile up here; a message still failing after every retry stays
    as ``failed`` for the clerk to see."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint(_in("state", OUTBOX_STATES), name="ck_mail_outbox_state"),
        CheckConstraint("attempts >= 0", name="ck_mail_outbox_attempts"),
        Index("ix_mail_outbox_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[str | None] = mapped_column(
        ForeignKey("mail_subscriptions.id", ondelete="CASCADE"), nullable=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    headers_json: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # NULL until the first failure: a new message carries no time of day at all.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class FollowUpIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a decision or a project update."""


@event.listens_for(CouncilDecision, "before_update")
@event.listens_for(ProjectUpdate, "before_update")
def _refuse_follow_up_update(*_args: object) -> None:
    raise FollowUpIsAppendOnly("decisions and project updates are append-only: add a new one")


@event.listens_for(CouncilDecision, "before_delete")
@event.listens_for(ProjectUpdate, "before_delete")
def _refuse_follow_up_delete(*_args: object) -> None:
    raise FollowUpIsAppendOnly("decisions and project updates cannot be deleted")


# --- Staff accounts: server-side sessions, invitation/reset links, recovery codes and
# settings an admin changes in the app (issue 16). ---

TOKEN_PURPOSES = ("invite", "reset")


class StaffSession(Base):
    """One staff login on the server. The signed cookie holds a random token; this row
    holds only its SHA-256, so a database reader cannot take over a session. Logging
    out, an idle or absolute time-out, or disabling the account sets ``ended_at``, and
    a cookie saved earlier opens nothing any more."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_user", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_reason: Mapped[str] = mapped_column(String(20), default="")


class StaffToken(Base):
    """A one-time link to set a password: an invitation for a new account or a reset
    by an admin. Stored as SHA-256 of the token only; it expires and works once."""

    __tablename__ = "staff_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_staff_tokens_hash"),
        CheckConstraint(_in("purpose", TOKEN_PURPOSES), name="ck_staff_tokens_purpose"),
        Index("ix_staff_tokens_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    user: Mapped[StaffUser] = relationship()


class RecoveryCode(Base):
    """A one-time recovery code for a lost authenticator, stored as SHA-256 only."""

    __tablename__ = "staff_recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash", name="uq_staff_recovery_codes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AppSetting(Base):
    """A setting an admin changes in the app (e.g. two-factor login required for every
    clerk); every change is audit-logged."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


# --- Citizens' panels by lot (burgerberaad, wijkcomité; issue #12) -------------------
# No name, address or contact detail in plain text: an invitation holds the panel's
# HMAC of the person reference and of the household, and the code's hash; a sign-up
# holds the answers to the panel's questions under a random pseudonym, and optional
# phone/e-mail only AES-GCM encrypted with a key from the configuration
# (voting/panels/contact.py). The retention purge deletes both once the panel is
# finished (voting/panels/retention.py).

PANEL_PHASES = ("draft", "invitations", "signup", "draw", "seated", "finished")
PANEL_SEAT_STATUSES = ("pool", "selected", "dropped", "replacement")
PANEL_JOB_STATES = ("idle", "running", "done", "failed")


class Panel(Base):
    """A citizens' panel drawn by lot in two stages, and its advice."""

    __tablename__ = "panels"
    __table_args__ = (
        CheckConstraint(_in("phase", PANEL_PHASES), name="ck_panels_phase"),
        CheckConstraint(_in("job_state", PANEL_JOB_STATES), name="ck_panels_job_state"),
        CheckConstraint("seats >= 1", name="ck_panels_seats"),
        CheckConstraint("invitations >= 1", name="ck_panels_invitations"),
        CheckConstraint("min_age >= 0 AND min_age <= 120", name="ck_panels_min_age"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    phase: Mapped[str] = mapped_column(String(20), default="draft")
    seats: Mapped[int] = mapped_column(Integer, default=20)
    invitations: Mapped[int] = mapped_column(Integer, default=500)
    min_age: Mapped[int] = mapped_column(Integer, default=16)
    postcode_filter: Mapped[str] = mapped_column(String(500), default="")
    neighbourhood_filter: Mapped[str] = mapped_column(String(500), default="")
    one_per_household: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    ask_email: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"name": ..., "values": [{"value": ..., "min": int, "max": int}]}]
    categories_json: Mapped[str] = mapped_column(Text, default="[]")
    meeting_dates_json: Mapped[str] = mapped_column(Text, default="[]")  # ISO dates
    # Seeds are fixed (and shown) before the draw they steer.
    invitation_seed: Mapped[str] = mapped_column(String(100), default="")
    draw_seed: Mapped[str] = mapped_column(String(100), default="")
    # The published inputs and outputs: eligible keys of the sample, the portfolio.
    sample_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    portfolio_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    record_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The long computation (leximin) runs outside the request: its progress row.
    job_state: Mapped[str] = mapped_column(String(10), default="idle")
    job_done: Mapped[int] = mapped_column(Integer, default=0)
    job_total: Mapped[int] = mapped_column(Integer, default=0)
    job_message: Mapped[str] = mapped_column(String(300), default="")
    recommendations_json: Mapped[str] = mapped_column(Text, default="[]")
    # What the council did with the advice: CouncilDecision rows (subject
    # "panel_recommendation"), append-only like the elections' decisions.
    referendum_id: Mapped[int | None] = mapped_column(
        ForeignKey("elections.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The retention period (RETENTION_DAYS) runs from here.
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    referendum: Mapped[Election | None] = relationship()

    @property
    def categories(self) -> list[dict[str, Any]]:
        """The panel's questions with their values and quotas."""
        return list(json.loads(self.categories_json or "[]"))

    @property
    def meeting_dates(self) -> list[str]:
        """The meeting dates (ISO) residents say they can attend."""
        return list(json.loads(self.meeting_dates_json or "[]"))

    @property
    def recommendations(self) -> list[str]:
        """The panel's recommendations, in order."""
        return list(json.loads(self.recommendations_json or "[]"))


class PanelInvitation(Base):
    """One invited resident: the panel's key for them, their household's key, and the
    hash of their one-time sign-up code. No name, no address."""

    __tablename__ = "panel_invitations"
    __table_args__ = (
        UniqueConstraint("panel_id", "resident_key", name="uq_panel_invitations_resident"),
        UniqueConstraint("code_hash", name="uq_panel_invitations_code"),
        CheckConstraint("length(code_hash) = 64", name="ck_panel_invitations_hash_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    resident_key: Mapped[str] = mapped_column(String(64))
    household_key: Mapped[str] = mapped_column(String(64), default="")
    code_hash: Mapped[str] = mapped_column(String(64))
    used_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class PanelSignup(Base):
    """A resident who signed up: answers under a random pseudonym, availability,
    consent, optional contact details (encrypted), and their seat status."""

    __tablename__ = "panel_signups"
    __table_args__ = (
        UniqueConstraint("invitation_id", name="uq_panel_signups_invitation"),
        UniqueConstraint("panel_id", "pseudonym", name="uq_panel_signups_pseudonym"),
        CheckConstraint(_in("status", PANEL_SEAT_STATUSES), name="ck_panel_signups_status"),
        CheckConstraint(_in("channel", CHANNELS), name="ck_panel_signups_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_invitations.id", ondelete="SET NULL"), nullable=True
    )
    pseudonym: Mapped[str] = mapped_column(String(20))
    answers_json: Mapped[str] = mapped_column(Text, default="{}")
    available_json: Mapped[str] = mapped_column(Text, default="[]")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(10), default="online")
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pool")

    invitation: Mapped[PanelInvitation | None] = relationship()

    @property
    def answers(self) -> dict[str, str]:
        """Category name -> the value chosen."""
        return dict(json.loads(self.answers_json or "{}"))

    @property
    def available(self) -> list[str]:
        """The meeting dates (ISO) this resident can attend."""
        return list(json.loads(self.available_json or "[]"))


# --- Processes (trajecten; issue #13) -----------------------------------------------
# A process groups elections (its stages) that residents take part in with ONE letter.
# Each stage keeps its own roll, codes, sealed box, receipts and record, exactly as a
# single election; the letter's code is stored here only as HMAC(pepper, code), and
# each stage's VotingCode holds a hash derived from the code and that stage
# (voting.process_codes), so no table links a stage's code row to another stage's or
# to this one without the code itself.


class Process(Base):
    """A traject: several stages (elections) with one letter per resident."""

    __tablename__ = "processes"
    __table_args__ = (CheckConstraint("ideas_per_code >= 0", name="ck_processes_ideas"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    # How many ideas one letter code may send in (0: residents send none).
    ideas_per_code: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    stages: Mapped[list[ProcessStage]] = relationship(
        back_populates="process", order_by="ProcessStage.position", cascade="all, delete-orphan"
    )


class ProcessStage(Base):
    """One election in a process, at a place in its order. A buurtbudget stage may take
    residents' ideas during its proposals phase, between ``ideas_opens_at`` and
    ``ideas_closes_at``: on the timeline that is a step of its own."""

    __tablename__ = "process_stages"
    __table_args__ = (
        UniqueConstraint("election_id", name="uq_process_stages_election"),
        Index("ix_process_stages_process", "process_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    takes_ideas: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ideas_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ideas_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    process: Mapped[Process] = relationship(back_populates="stages")
    election: Mapped[Election] = relationship()


class ProcessCode(Base):
    """A process letter's code, as HMAC-SHA256(pepper, code), with the resident's
    process key (HMAC of the person reference). It votes through the stages' own code
    rows; here it counts only the ideas sent with it. Reissuing revokes it."""

    __tablename__ = "process_codes"
    __table_args__ = (
        UniqueConstraint("code_hash", name="uq_process_codes_hash"),
        CheckConstraint("length(code_hash) = 64", name="ck_process_codes_hash_length"),
        CheckConstraint("ideas_used >= 0", name="ck_process_codes_ideas"),
        Index("ix_process_codes_resident", "process_id", "resident_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    resident_key: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ideas_used: Mapped[int] = mapped_column(Integer, default=0)


class PublishedResult(Base):
    """What a certified result's public pages show, worked out once at certification
    (voting.published): the record without its ballots and receipts, plus the per-option
    figures the charts need, the record's hash and size, and the ballots as an exchange
    file. A results page then reads kilobytes instead of parsing a record of many
    megabytes on every view."""

    __tablename__ = "published_results"

    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), primary_key=True
    )
    summary_json: Mapped[str] = mapped_column(Text)
    record_sha256: Mapped[str] = mapped_column(String(64))
    # Bytes of the record as served (UTF-8), for Content-Length while streaming.
    record_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    ballots_ext: Mapped[str] = mapped_column(String(8), default="")
    ballots_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # Deferred: only the download streams it, in slices (voting.published.stream_text).
    ballots_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


JOB_KINDS = ("count", "certify")
JOB_STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """A count or a certification waiting for, or done by, ``voting worker``
    (voting.jobs). Without a worker the web app runs the job inline, as before."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("kind", JOB_KINDS), name="ck_jobs_kind"),
        CheckConstraint(_in("state", JOB_STATES), name="ck_jobs_state"),
        Index("ix_jobs_state", "state", "id"),
        Index("ix_jobs_election", "election_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    # What the clerk's page shows while it runs ("ballots read", "recounting", ...).
    progress: Mapped[str] = mapped_column(String(200), default="")
    # A coded error (voting.tally.TallyError) as JSON {"code": ..., "params": {...}}.
    error_json: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    worker: Mapped[str] = mapped_column(String(120), default="")
