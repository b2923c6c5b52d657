"""Citizens' panels by lot: panels, invitations (keys and code hashes) and sign-ups.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "panels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("municipality", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("invitations", sa.Integer(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=False),
        sa.Column("postcode_filter", sa.String(length=500), nullable=False),
        sa.Column("neighbourhood_filter", sa.String(length=500), nullable=False),
        sa.Column("one_per_household", sa.Boolean(), nullable=False),
        sa.Column("ask_phone", sa.Boolean(), nullable=False),
        sa.Column("ask_email", sa.Boolean(), nullable=False),
        sa.Column("categories_json", sa.Text(), nullable=False),
        sa.Column("meeting_dates_json", sa.Text(), nullable=False),
        sa.Column("invitation_seed", sa.String(length=100), nullable=False),
        sa.Column("draw_seed", sa.String(length=100), nullable=False),
        sa.Column("sample_json", sa.Text(), nullable=True),
        sa.Column("portfolio_json", sa.Text(), nullable=True),
        sa.Column("record_json", sa.Text(), nullable=True),
        sa.Column("job_state", sa.String(length=10), nullable=False),
        sa.Column("job_done", sa.Integer(), nullable=False),
        sa.Column("job_total", sa.Integer(), nullable=False),
        sa.Column("job_message", sa.String(length=300), nullable=False),
        sa.Column("recommendations_json", sa.Text(), nullable=False),
        sa.Column("council_response", sa.Text(), nullable=False),
        sa.Column("referendum_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "phase IN ('draft', 'invitations', 'signup', 'draw', 'seated', 'finished')",
            name="ck_panels_phase",
        ),
        sa.CheckConstraint(
            "job_state IN ('idle', 'running', 'done', 'failed')", name="ck_panels_job_state"
        ),
        sa.CheckConstraint("seats >= 1", name="ck_panels_seats"),
        sa.CheckConstraint("invitations >= 1", name="ck_panels_invitations"),
        sa.CheckConstraint("min_age >= 0 AND min_age <= 120", name="ck_panels_min_age"),
        sa.ForeignKeyConstraint(["referendum_id"], ["elections.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "panel_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("resident_key", sa.String(length=64), nullable=False),
        sa.Column("household_key", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=True),
        sa.CheckConstraint("length(code_hash) = 64", name="ck_panel_invitations_hash_length"),
        sa.ForeignKeyConstraint(["panel_id"], ["panels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_panel_invitations_code"),
        sa.UniqueConstraint("panel_id", "resident_key", name="uq_panel_invitations_resident"),
    )
    op.create_table(
        "panel_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("pseudonym", sa.String(length=20), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("available_json", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("email_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "status IN ('pool', 'selected', 'dropped', 'replacement')",
            name="ck_panel_signups_status",
        ),
        sa.CheckConstraint("channel IN ('online', 'paper')", name="ck_panel_signups_channel"),
        sa.ForeignKeyConstraint(["invitation_id"], ["panel_invitations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["panel_id"], ["panels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invitation_id", name="uq_panel_signups_invitation"),
        sa.UniqueConstraint("panel_id", "pseudonym", name="uq_panel_signups_pseudonym"),
    )


def downgrade() -> None:
    op.drop_table("panel_signups")
    op.drop_table("panel_invitations")
    op.drop_table("panels")
