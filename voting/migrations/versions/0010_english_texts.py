"""Optional English texts for elections, options and proposals.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01

A clerk may give the title, question and explanation of an election, and the title,
summary and explanation of each option or proposal, in English too; English pages
show them when given. Empty for every existing row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = {
    "elections": (
        ("title_en", sa.String(length=200)),
        ("question_en", sa.Text()),
        ("description_en", sa.Text()),
    ),
    "options": (
        ("title_en", sa.String(length=200)),
        ("summary_en", sa.String(length=500)),
        ("description_en", sa.Text()),
    ),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, type_ in columns:
                batch.add_column(sa.Column(name, type_, nullable=False, server_default=""))


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, _type in reversed(columns):
                batch.drop_column(name)
