"""The unit of a split ballot: euros or points.

Revision ID: 0031
Revises: 0020
Create Date: 2026-12-01

A split (distribution) ballot divides the election's total over themes; the total is
either the budget in euros (Oud-Woensel split EUR 50,000) or a number of points (100),
which only changes how amounts are shown and named.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(
            sa.Column("split_unit", sa.String(length=10), nullable=False, server_default="points")
        )
        batch.create_check_constraint("ck_elections_split_unit", "split_unit IN ('euro', 'points')")


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_constraint("ck_elections_split_unit", type_="check")
        batch.drop_column("split_unit")
