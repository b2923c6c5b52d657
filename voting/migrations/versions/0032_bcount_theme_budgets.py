"""Per-theme budgets, the leftover setting and a minimum spend for budget ballots.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01

A buurtbudget may fund proposals theme by theme: the amounts come from a certified
split (``theme_split_id``) or are typed by the clerk (``theme_budgets``, JSON
``[[theme, amount], ...]``); ``leftover`` says what a theme's unspent money does
(``unspent`` or ``pooled``). ``min_spend_percent``: a budget ballot must spend at
least this share of the budget (Decidim), 0 for no minimum.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(
            sa.Column("min_spend_percent", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("theme_budgets", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("theme_split_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("leftover", sa.String(length=10), nullable=False, server_default="unspent")
        )
        batch.create_foreign_key(
            "fk_elections_theme_split", "elections", ["theme_split_id"], ["id"]
        )
        batch.create_check_constraint(
            "ck_elections_min_spend", "min_spend_percent >= 0 AND min_spend_percent <= 100"
        )
        batch.create_check_constraint("ck_elections_leftover", "leftover IN ('unspent', 'pooled')")


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_constraint("ck_elections_leftover", type_="check")
        batch.drop_constraint("ck_elections_min_spend", type_="check")
        batch.drop_constraint("fk_elections_theme_split", type_="foreignkey")
        for name in ("leftover", "theme_split_id", "theme_budgets", "min_spend_percent"):
            batch.drop_column(name)
