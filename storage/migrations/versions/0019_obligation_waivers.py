"""Waived obligations and how far obligations are written.

Coordinators may waive past periods: `obligations.waived_at` marks them. A waived obligation
is not owed; one reported anyway counts as reported. So the views leave out waived obligations
that were not reported: v_reporting_completeness shows no row for them, and
v_indicator_progress does not expect their organisation (expected_orgs) nor list a period that
holds nothing else.

`obligation_marks` keeps per (indicator, organisation) the span whose obligations exist, so
writing what is owed looks only at what is new; it starts from the obligations there are.

Revision ID: 0019_obligation_waivers
Revises: 0018_concerns_announced
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import views_suspended

revision = "0019_obligation_waivers"
down_revision = "0018_concerns_announced"
branch_labels = None
depends_on = None

# A row for every obligation that is owed or was reported; on time as before (0008).
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
    " WHERE ob.waived_at IS NULL OR f.id IS NOT NULL"
)

# The obligation `ob` is owed or was reported (any revision).
_COUNTED = (
    "(ob.waived_at IS NULL OR EXISTS (SELECT 1 FROM indicator_values r"
    " WHERE r.indicator_id = ob.indicator_id AND r.organisation_id = ob.organisation_id"
    " AND r.period = ob.period))"
)


def _progress(round4: str) -> str:
    """As 0008, but waived obligations nobody reported are not expected."""
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
        "SELECT indicator_id, period FROM obligations WHERE waived_at IS NULL"
        " UNION SELECT indicator_id, period FROM indicator_values"
    )
    per_period = (
        f"SELECT p.indicator_id, p.period,"
        f" (SELECT COUNT(*) FROM obligations ob WHERE ob.indicator_id = p.indicator_id"
        f" AND ob.period = p.period AND {_COUNTED}) AS expected_orgs,"
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
    "postgresql": _progress("CAST(ROUND(CAST({} AS NUMERIC), 4) AS DOUBLE PRECISION)"),
}


def upgrade() -> None:
    connection = op.get_bind()
    replace = {
        "v_reporting_completeness": V_REPORTING_COMPLETENESS,
        "v_indicator_progress": V_INDICATOR_PROGRESS[connection.dialect.name],
    }
    with views_suspended(connection, replace=replace), op.batch_alter_table("obligations") as batch:
        batch.add_column(sa.Column("waived_at", UTCDateTime(), nullable=True))
    op.create_table(
        "obligation_marks",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("owed_from", sa.Date(), nullable=False),
        sa.Column("written_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_obligation_marks_indicator_id_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_obligation_marks_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "indicator_id", "organisation_id", name=op.f("pk_obligation_marks")
        ),
    )
    # The span the existing obligations cover; a gap inside it (an organisation inactive for
    # a while) stays as it is, as history.
    connection.exec_driver_sql(
        "INSERT INTO obligation_marks (indicator_id, organisation_id, owed_from, written_until)"
        " SELECT indicator_id, organisation_id, MIN(period_start), MAX(period_end)"
        " FROM obligations GROUP BY indicator_id, organisation_id"
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
