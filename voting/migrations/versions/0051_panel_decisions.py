"""The council's response to a panel's advice is a council decision, as for elections.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-01

``council_decisions`` gets ``panel_id`` (subject ``panel_recommendation``) and
``recommendation`` (the number of the recommendation decided on; empty: the advice as
a whole). Each panel's free-text ``council_response`` becomes one such decision: the
text is its explanation, the deciding body the council (the old field asked what the
council did), the outcome "no decision yet" (the text did not say which; the clerk
adds the outcome as a new dated decision), dated the day of this migration. Then the
text column goes.

On SQLite adding a foreign key and a check constraint rebuilds the table, which loses
its append-only triggers: they are made again, exactly as migration 0005 made them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None


def _sqlite_triggers(create: bool) -> None:
    for verb in ("UPDATE", "DELETE"):
        name = f"council_decisions_no_{verb.lower()}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        if create:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON council_decisions "
                "BEGIN SELECT RAISE(ABORT, 'council_decisions is append-only'); END"
            )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("council_decisions") as batch:
        batch.add_column(sa.Column("panel_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recommendation", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_council_decisions_panel_id_panels", "panels", ["panel_id"], ["id"]
        )
        batch.create_check_constraint(
            "ck_decisions_panel_set",
            "subject_type <> 'panel_recommendation' OR panel_id IS NOT NULL",
        )
        batch.create_check_constraint(
            "ck_decisions_recommendation", "recommendation IS NULL OR recommendation >= 1"
        )
        batch.create_index("ix_council_decisions_panel", ["panel_id"])
    if sqlite:
        _sqlite_triggers(create=True)

    panels = sa.table(
        "panels",
        sa.column("id", sa.Integer()),
        sa.column("council_response", sa.Text()),
    )
    decisions = sa.table(
        "council_decisions",
        sa.column("subject_type", sa.String()),
        sa.column("panel_id", sa.Integer()),
        sa.column("decided_on", sa.Date()),
        sa.column("body", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("explanation", sa.Text()),
        sa.column("source_url", sa.String()),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("recorded_by", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(panels.c.id, panels.c.council_response).where(panels.c.council_response != "")
    ).all()
    for panel_id, text in rows:
        if not text.strip():
            continue
        bind.execute(
            decisions.insert().values(
                subject_type="panel_recommendation",
                panel_id=panel_id,
                decided_on=sa.func.current_date(),
                body="raad",
                outcome="pending",
                explanation=text.strip(),
                source_url="",
                recorded_at=sa.func.current_timestamp(),
                recorded_by="migratie 0051",
            )
        )
    with op.batch_alter_table("panels") as batch:
        batch.drop_column("council_response")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("panels") as batch:
        batch.add_column(
            sa.Column("council_response", sa.Text(), nullable=False, server_default="")
        )
    bind = op.get_bind()
    # The newest decision per panel goes back into the text field.
    rows = bind.execute(
        sa.text(
            "SELECT panel_id, explanation FROM council_decisions "
            "WHERE panel_id IS NOT NULL ORDER BY decided_on, id"
        )
    ).all()
    for panel_id, text in rows:
        bind.execute(
            sa.text("UPDATE panels SET council_response = :text WHERE id = :id"),
            {"text": text, "id": panel_id},
        )
    # Panel decisions cannot stay without their column: lift the append-only rule for
    # this one deletion.
    if sqlite:
        _sqlite_triggers(create=False)
    else:
        op.execute("DROP TRIGGER IF EXISTS council_decisions_append_only ON council_decisions")
    bind.execute(sa.text("DELETE FROM council_decisions WHERE panel_id IS NOT NULL"))
    with op.batch_alter_table("council_decisions") as batch:
        batch.drop_index("ix_council_decisions_panel")
        batch.drop_constraint("ck_decisions_recommendation", type_="check")
        batch.drop_constraint("ck_decisions_panel_set", type_="check")
        batch.drop_constraint("fk_council_decisions_panel_id_panels", type_="foreignkey")
        batch.drop_column("recommendation")
        batch.drop_column("panel_id")
    if sqlite:
        _sqlite_triggers(create=True)
    else:
        op.execute(
            "CREATE TRIGGER council_decisions_append_only BEFORE UPDATE OR DELETE ON "
            "council_decisions FOR EACH ROW EXECUTE FUNCTION follow_up_append_only()"
        )
