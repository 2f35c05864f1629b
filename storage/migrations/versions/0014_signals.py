"""Early-warning signals; v_signals.

Revision ID: 0014_signals
Revises: 0013_activities
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.views import create_view

revision = "0014_signals"
down_revision = "0013_activities"
branch_labels = None
depends_on = None

DAY = {
    "sqlite": "strftime('%Y-%m-%d', s.opened_on)",
    "postgresql": "to_char(s.opened_on, 'YYYY-MM-DD')",
}
V_SIGNALS = (
    "SELECT s.id AS signal_id, s.kind AS kind, o.code AS organisation_code,"
    " {day} AS opened_on, s.status AS status, s.reason_code AS reason_code,"
    " s.value AS value, s.baseline_value AS baseline_value"
    " FROM signals s LEFT JOIN organisations o ON o.id = s.organisation_id"
)


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(48), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_signals_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
    )
    op.create_index(op.f("ix_signals_reason_code"), "signals", ["reason_code"])
    op.create_index(op.f("ix_signals_organisation_id"), "signals", ["organisation_id"])
    connection = op.get_bind()
    create_view(connection, "v_signals", V_SIGNALS.format(day=DAY[connection.dialect.name]))


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
