"""The sealed ballot box: sealed ballots, receipts apart from ballots, paper entries.

Revision ID: 0003
Revises: 0010
Create Date: 2026-12-01

Ballots are sealed to the election's box key when cast (``sealed_ballots``) and only
written readable, shuffled, when the key holders open the box (``ballots``, which
loses its receipt and channel columns and gains ``invalid``). Receipts get their own
table; a used code remembers its channel; double entry of paper ballots keeps the
first clerk's entry in ``paper_entries``. Existing ballots keep their content; their
receipts move to ``receipts``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(sa.Column("box_public_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("box_threshold", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("box_holders", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("box_opened_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("double_entry", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("voting_codes") as batch:
        batch.add_column(sa.Column("used_channel", sa.String(length=10), nullable=True))
        batch.create_check_constraint(
            "ck_voting_codes_used_channel",
            "used_channel IS NULL OR used_channel IN ('online', 'paper')",
        )

    op.create_table(
        "sealed_ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sealed_ballots_election", "sealed_ballots", ["election_id"])

    op.create_table(
        "receipts",
        sa.Column("receipt", sa.String(length=40), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("receipt"),
    )
    op.create_index("ix_receipts_election", "receipts", ["election_id"])
    op.execute(
        "INSERT INTO receipts (receipt, election_id) SELECT receipt, election_id FROM ballots"
    )

    op.create_table(
        "paper_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("clerk", sa.String(length=100), nullable=False),
        sa.Column("second_clerk", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'mismatch')", name="ck_paper_entries_status"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_paper_entries_code"),
    )
    op.create_index("ix_paper_entries_election", "paper_entries", ["election_id"])

    with op.batch_alter_table("ballots") as batch:
        batch.drop_constraint("uq_ballots_receipt", type_="unique")
        batch.drop_constraint("ck_ballots_channel", type_="check")
        batch.drop_column("receipt")
        batch.drop_column("channel")
        batch.add_column(
            sa.Column("invalid", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # Receipts cannot be paired with ballots again (that is the point); a downgrade
    # gives every ballot a fresh placeholder receipt.
    with op.batch_alter_table("ballots") as batch:
        batch.drop_column("invalid")
        batch.add_column(sa.Column("receipt", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("channel", sa.String(length=10), nullable=False, server_default="online")
        )
    op.execute("UPDATE ballots SET receipt = id")
    with op.batch_alter_table("ballots") as batch:
        batch.alter_column("receipt", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column("channel", server_default=None)
        batch.create_unique_constraint("uq_ballots_receipt", ["receipt"])
        batch.create_check_constraint("ck_ballots_channel", "channel IN ('online', 'paper')")
    op.drop_index("ix_paper_entries_election", table_name="paper_entries")
    op.drop_table("paper_entries")
    op.drop_index("ix_receipts_election", table_name="receipts")
    op.drop_table("receipts")
    op.drop_index("ix_sealed_ballots_election", table_name="sealed_ballots")
    op.drop_table("sealed_ballots")
    with op.batch_alter_table("voting_codes") as batch:
        batch.drop_constraint("ck_voting_codes_used_channel", type_="check")
        batch.drop_column("used_channel")
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("double_entry")
        batch.drop_column("box_opened_at")
        batch.drop_column("box_holders")
        batch.drop_column("box_threshold")
        batch.drop_column("box_public_key")
