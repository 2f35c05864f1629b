"""Reporting: obligations and indicator values; view v_indicator_values.

Revision ID: 0007_reporting
Revises: 0006_broadcasts
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import create_view

revision = "0007_reporting"
down_revision = "0006_broadcasts"
branch_labels = None
depends_on = None

_LATEST = (
    " FROM indicator_values v"
    " JOIN indicators i ON i.id = v.indicator_id"
    " JOIN organisations o ON o.id = v.organisation_id"
    " WHERE v.revision = (SELECT MAX(l.revision) FROM indicator_values l"
    " WHERE l.indicator_id = v.indicator_id AND l.organisation_id = v.organisation_id"
    " AND l.period = v.period)"
)
_COLUMNS = (
    "SELECT i.code AS indicator_code, o.code AS organisation_code, v.period AS period,"
    " CASE WHEN v.not_applicable THEN NULL ELSE v.value END AS value,"
    " i.unit AS unit, v.note AS note, v.revision AS revision,"
)
V_INDICATOR_VALUES = {
    "sqlite": _COLUMNS + " strftime('%Y-%m-%dT%H:%M:%SZ', v.reported_at) AS reported_at" + _LATEST,
    "postgresql": _COLUMNS
    + " to_char(v.reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS reported_at"
    + _LATEST,
}


def upgrade() -> None:
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("extended_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_obligations_indicator_id_indicators")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_obligations_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
        sa.UniqueConstraint(
            "indicator_id", "organisation_id", "period", name=op.f("uq_obligations_indicator_id")
        ),
    )
    op.create_index(op.f("ix_obligations_indicator_id"), "obligations", ["indicator_id"])
    op.create_index(op.f("ix_obligations_organisation_id"), "obligations", ["organisation_id"])
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("not_applicable", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_values_indicator_id_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_indicator_values_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["members.id"], name=op.f("fk_indicator_values_reported_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
        sa.UniqueConstraint(
            "indicator_id",
            "organisation_id",
            "period",
            "revision",
            name=op.f("uq_indicator_values_indicator_id"),
        ),
    )
    op.create_index("ix_indicator_values_period", "indicator_values", ["indicator_id", "period"])
    op.create_index(
        op.f("ix_indicator_values_organisation_id"), "indicator_values", ["organisation_id"]
    )
    op.create_index(op.f("ix_indicator_values_reported_by"), "indicator_values", ["reported_by"])
    create_view(op.get_bind(), "v_indicator_values", V_INDICATOR_VALUES)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
