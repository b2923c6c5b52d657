"""A vote cast on a town-hall desk's computer is counted as such.

Revision ID: 0020
Revises: 0051
Create Date: 2026-12-01

Residents who vote at the desk of the town hall (``DESK_ADDRESSES``) vote online, on
the desk's computer; the results, the record and the proces-verbaal say how many
did, as part of the online ballots. The code's ``used_channel`` may now be ``desk``.
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0051"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voting_codes") as batch:
        batch.drop_constraint("ck_voting_codes_used_channel", type_="check")
        batch.create_check_constraint(
            "ck_voting_codes_used_channel",
            "used_channel IS NULL OR used_channel IN ('online', 'paper', 'desk')",
        )


def downgrade() -> None:
    # A desk vote was an online vote on the desk's computer: it stays online.
    op.execute("UPDATE voting_codes SET used_channel = 'online' WHERE used_channel = 'desk'")
    with op.batch_alter_table("voting_codes") as batch:
        batch.drop_constraint("ck_voting_codes_used_channel", type_="check")
        batch.create_check_constraint(
            "ck_voting_codes_used_channel",
            "used_channel IS NULL OR used_channel IN ('online', 'paper')",
        )
