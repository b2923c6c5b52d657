"""Longer counting-rule names and the Wieliczka completion rule.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Adds ``mes-add1-until-over-budget`` (the equal-shares completion Wieliczka's official
count used) to the rules an election may name, and widens the column to fit it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD_RULES = ("irv", "stv", "schulze", "borda", "plurality", "approval", "greedy", "mes", "mes-add1")
NEW_RULES = (*OLD_RULES, "mes-add1-until-over-budget")


def _check(rules: tuple[str, ...]) -> str:
    return "rule IN (" + ", ".join(repr(r) for r in rules) + ")"


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_constraint("ck_elections_rule", type_="check")
        batch.alter_column("rule", existing_type=sa.String(length=20), type_=sa.String(length=40))
        batch.create_check_constraint("ck_elections_rule", _check(NEW_RULES))


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_constraint("ck_elections_rule", type_="check")
        batch.alter_column("rule", existing_type=sa.String(length=40), type_=sa.String(length=20))
        batch.create_check_constraint("ck_elections_rule", _check(OLD_RULES))
