"""Split (distribution) and points ballots, and the two split rules.

Revision ID: 0030
Revises: 0060
Create Date: 2026-12-01

An election may now hand out ``distribution`` ballots (each resident splits the budget,
or 100 points, over themes; counted by ``distribution-mean`` or ``distribution-median``)
and ``points`` ballots (N points over the proposals, ``max_points``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0060"
branch_labels = None
depends_on = None

OLD_RULES = (
    "irv",
    "stv",
    "schulze",
    "borda",
    "plurality",
    "approval",
    "greedy",
    "mes",
    "mes-add1",
    "mes-add1-until-over-budget",
)
NEW_RULES = (*OLD_RULES, "distribution-mean", "distribution-median")
OLD_TYPES = ("ranked", "approval", "budget", "single")
NEW_TYPES = (*OLD_TYPES, "distribution", "points")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(repr(v) for v in values) + ")"


def _constraints(rules: tuple[str, ...], types: tuple[str, ...]) -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_constraint("ck_elections_rule", type_="check")
        batch.drop_constraint("ck_elections_ballot_type", type_="check")
        batch.create_check_constraint("ck_elections_rule", _in("rule", rules))
        batch.create_check_constraint("ck_elections_ballot_type", _in("ballot_type", types))


def upgrade() -> None:
    _constraints(NEW_RULES, NEW_TYPES)
    with op.batch_alter_table("elections") as batch:
        batch.add_column(sa.Column("max_points", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            "ck_elections_max_points", "max_points IS NULL OR max_points >= 1"
        )


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_constraint("ck_elections_max_points", type_="check")
        batch.drop_column("max_points")
    _constraints(OLD_RULES, OLD_TYPES)
