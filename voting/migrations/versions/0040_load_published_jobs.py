"""Results worked out once at certification, and background jobs for count and certify.

Revision ID: 0040
Revises: 0030
Create Date: 2026-12-01

``published_results`` holds what a certified result's public pages show (the record
without ballots and receipts, per-option figures, hash, size and the ballots as an
exchange file); an election certified before this migration gets its row on the first
view. ``jobs`` is the queue ``voting worker`` takes counts and certifications from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_results",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("record_bytes", sa.BigInteger(), nullable=False),
        sa.Column("ballots_ext", sa.String(length=8), nullable=False),
        sa.Column("ballots_bytes", sa.BigInteger(), nullable=False),
        sa.Column("ballots_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("election_id"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.String(length=200), nullable=False),
        sa.Column("error_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.CheckConstraint("kind IN ('count', 'certify')", name="ck_jobs_kind"),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name="ck_jobs_state"
        ),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state", "id"])
    op.create_index("ix_jobs_election", "jobs", ["election_id"])


def downgrade() -> None:
    op.drop_index("ix_jobs_election", table_name="jobs")
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("published_results")
