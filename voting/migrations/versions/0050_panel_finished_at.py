"""When a citizens' panel finished: the start of its retention period.

Revision ID: 0050
Revises: 0040
Create Date: 2026-12-01

The retention run deletes a finished panel's sign-ups (answers, availability, sealed
contact details) and invitations ``RETENTION_DAYS`` after it finished, as it does for
elections after certification. A panel that was already finished before this
migration starts its period now: the moment it finished was not stored, and starting
late keeps data a little longer rather than deleting it early.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("panels") as batch:
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
    panels = sa.table(
        "panels",
        sa.column("phase", sa.String()),
        sa.column("finished_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        panels.update()
        .where(panels.c.phase == "finished")
        .values(finished_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    with op.batch_alter_table("panels") as batch:
        batch.drop_column("finished_at")
