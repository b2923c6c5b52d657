"""When an opened ballot box's sealed rows were gone from the database files.

Revision ID: 0100
Revises: 0032
Create Date: 2026-12-01

``elections.box_purged_at``: set when the deleted sealed rows of the opened box are
physically removed (voting.ballot_box.purge_sealed), empty while a transaction that
uses the sealed table may keep them. Boxes opened before this migration stay empty:
their VACUUM FULL kept the rows whenever another transaction held an older snapshot,
so the next purge (``voting worker`` or the clerk's button) removes them for certain.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(sa.Column("box_purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("box_purged_at")
