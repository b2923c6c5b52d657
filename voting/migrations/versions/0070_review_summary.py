"""What the clerk reviews before certifying, worked out once at the count.

Revision ID: 0070
Revises: 0100
Create Date: 2026-12-01

``elections.review_json``: the record certification will make, without its ballots
and receipts, with the figures the review page and the draft proces-verbaal show
(voting.tally.review_summary). The review page rebuilt the whole record on every view
(a million ballots: seconds and most of a gigabyte); it now reads this. Elections
counted before this migration get it on their first review.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070"
down_revision = "0100"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(sa.Column("review_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("review_json")
