"""Processes (trajecten): stages, one letter code per resident, and ideas' fields.

Revision ID: 0060
Revises: 0003
Create Date: 2026-12-01

A process groups elections as its stages; a process code is stored as its keyed hash
only. Options get the fields of a resident's idea: theme, location, cost lines, an
uploaded photo, whether a resident sent it, and the proposal a duplicate merged into.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0060"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("municipality", sa.String(length=200), nullable=False),
        sa.Column("ideas_per_code", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ideas_per_code >= 0", name="ck_processes_ideas"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "process_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("takes_ideas", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ideas_opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ideas_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("election_id", name="uq_process_stages_election"),
    )
    op.create_index("ix_process_stages_process", "process_stages", ["process_id"])
    op.create_table(
        "process_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("resident_key", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ideas_used", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(code_hash) = 64", name="ck_process_codes_hash_length"),
        sa.CheckConstraint("ideas_used >= 0", name="ck_process_codes_ideas"),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_process_codes_hash"),
    )
    op.create_index("ix_process_codes_resident", "process_codes", ["process_id", "resident_key"])
    with op.batch_alter_table("options") as batch:
        batch.add_column(
            sa.Column("theme", sa.String(length=100), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("location", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("cost_lines_json", sa.Text(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("image_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("from_resident", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_options_image", "attachments", ["image_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            "fk_options_merged_into", "options", ["merged_into_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("options") as batch:
        batch.drop_constraint("fk_options_merged_into", type_="foreignkey")
        batch.drop_constraint("fk_options_image", type_="foreignkey")
        for name in (
            "merged_into_id",
            "from_resident",
            "image_id",
            "cost_lines_json",
            "location",
            "theme",
        ):
            batch.drop_column(name)
    op.drop_index("ix_process_codes_resident", table_name="process_codes")
    op.drop_table("process_codes")
    op.drop_index("ix_process_stages_process", table_name="process_stages")
    op.drop_table("process_stages")
    op.drop_table("processes")
