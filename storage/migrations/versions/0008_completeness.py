"""Closed periods; views v_indicator_progress and v_reporting_completeness.

Revision ID: 0008_completeness
Revises: 0007_reporting
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import create_view

revision = "0008_completeness"
down_revision = "0007_reporting"
branch_labels = None
depends_on = None

# On time: the first revision arrived before the due time (or the extension). Imported values
# count as reported and have no on-time status; not yet reported ones have none either.
V_REPORTING_COMPLETENESS = (
    "SELECT ob.period AS period, i.code AS indicator_code, o.code AS organisation_code,"
    " CASE WHEN f.id IS NULL THEN 0 ELSE 1 END AS reported,"
    " CASE WHEN f.id IS NULL OR f.source = 'import' THEN NULL"
    " WHEN f.reported_at <= COALESCE(ob.extended_until, ob.due_at) THEN 1 ELSE 0 END AS on_time"
    " FROM obligations ob"
    " JOIN indicators i ON i.id = ob.indicator_id"
    " JOIN organisations o ON o.id = ob.organisation_id"
    " LEFT JOIN indicator_values f ON f.indicator_id = ob.indicator_id"
    " AND f.organisation_id = ob.organisation_id AND f.period = ob.period AND f.revision = 1"
)


def _progress(round4: str) -> str:
    """The view for one dialect; `round4` rounds an expression {} to 4 decimals."""
    aggregate = (
        "CASE WHEN i.type = 'boolean' THEN 100.0 * AVG(l.value)"
        " WHEN i.type = 'scale' OR i.aggregation = 'mean' THEN AVG(l.value)"
        " WHEN i.aggregation = 'max' THEN MAX(l.value)"
        " WHEN i.aggregation = 'min' THEN MIN(l.value)"
        " ELSE SUM(l.value) END"
    )
    latest = (
        "SELECT v.indicator_id, v.organisation_id, v.period,"
        " CASE WHEN v.not_applicable THEN NULL ELSE v.value END AS value"
        " FROM indicator_values v WHERE v.revision = (SELECT MAX(m.revision)"
        " FROM indicator_values m WHERE m.indicator_id = v.indicator_id"
        " AND m.organisation_id = v.organisation_id AND m.period = v.period)"
    )
    periods = (
        "SELECT indicator_id, period FROM obligations"
        " UNION SELECT indicator_id, period FROM indicator_values"
    )
    per_period = (
        f"SELECT p.indicator_id, p.period,"
        f" (SELECT COUNT(*) FROM obligations ob WHERE ob.indicator_id = p.indicator_id"
        f" AND ob.period = p.period) AS expected_orgs,"
        f" COUNT(l.organisation_id) AS reporting_orgs,"
        f" {aggregate} AS aggregate_value"
        f" FROM ({periods}) p JOIN indicators i ON i.id = p.indicator_id"
        f" LEFT JOIN ({latest}) l ON l.indicator_id = p.indicator_id AND l.period = p.period"
        f" GROUP BY p.indicator_id, p.period, i.type, i.aggregation"
    )
    current = (
        "CASE WHEN i.target_mode = 'cumulative' THEN SUM(a.aggregate_value) OVER"
        " (PARTITION BY a.indicator_id ORDER BY a.period ROWS UNBOUNDED PRECEDING)"
        " ELSE a.aggregate_value END"
    )
    ratio = (
        f"({current} - COALESCE(i.baseline, 0))"
        " / NULLIF(i.target_value - COALESCE(i.baseline, 0), 0)"
    )
    return (
        f"SELECT i.code AS indicator_code, a.period AS period,"
        f" {round4.format('a.aggregate_value')} AS aggregate_value,"
        f" i.target_value AS target_value,"
        f" {round4.format(ratio)} AS progress_ratio,"
        f" a.reporting_orgs AS reporting_orgs, a.expected_orgs AS expected_orgs"
        f" FROM ({per_period}) a JOIN indicators i ON i.id = a.indicator_id"
    )


V_INDICATOR_PROGRESS = {
    "sqlite": _progress("ROUND({}, 4)"),
    # PostgreSQL rounds numerics only; back to double precision, as SQLite gives.
    "postgresql": _progress("CAST(ROUND(CAST({} AS NUMERIC), 4) AS DOUBLE PRECISION)"),
}


def upgrade() -> None:
    op.create_table(
        "closed_periods",
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["members.id"], name=op.f("fk_closed_periods_closed_by_members")
        ),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_closed_periods")),
    )
    create_view(op.get_bind(), "v_reporting_completeness", V_REPORTING_COMPLETENESS)
    create_view(op.get_bind(), "v_indicator_progress", V_INDICATOR_PROGRESS)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
