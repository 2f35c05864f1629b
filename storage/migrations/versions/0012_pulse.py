"""Pulse surveys: surveys, participation (keyed hashes), answers and comments; v_pulse_results.

Revision ID: 0012_pulse
Revises: 0011_concerns
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import create_view

revision = "0012_pulse"
down_revision = "0011_concerns"
branch_labels = None
depends_on = None

V_PULSE_RESULTS = (
    "SELECT a.survey_id AS survey_id, a.question_code AS question_code,"
    " COUNT(*) AS responses, {mean} AS mean_score"
    " FROM pulse_answers a JOIN pulse_surveys s ON s.id = a.survey_id"
    " GROUP BY a.survey_id, a.question_code, s.k"
    " HAVING COUNT(*) >= s.k"
)
MEAN = {
    "sqlite": "ROUND(AVG(a.score), 4)",
    "postgresql": "CAST(ROUND(AVG(a.score), 4) AS DOUBLE PRECISION)",
}


def _survey_column() -> sa.Column[int]:
    return sa.Column("survey_id", sa.Integer(), nullable=False)


def _survey_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["survey_id"], ["pulse_surveys.id"], name=op.f(f"fk_{table}_survey_id_pulse_surveys")
    )


def upgrade() -> None:
    op.create_table(
        "pulse_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_pulse_surveys_schedule_id_schedules")
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["members.id"], name=op.f("fk_pulse_surveys_started_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_surveys")),
    )
    op.create_index(op.f("ix_pulse_surveys_schedule_id"), "pulse_surveys", ["schedule_id"])
    op.create_index(op.f("ix_pulse_surveys_started_by"), "pulse_surveys", ["started_by"])
    op.create_table(
        "pulse_participation",
        sa.Column("hash", sa.String(64), nullable=False),
        _survey_column(),
        _survey_key("pulse_participation"),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_pulse_participation")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "pulse_answers",
        sa.Column("id", sa.String(22), nullable=False),
        _survey_column(),
        sa.Column("question_code", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        _survey_key("pulse_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_answers")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "pulse_comments",
        sa.Column("id", sa.String(22), nullable=False),
        _survey_column(),
        sa.Column("text", sa.Text(), nullable=False),
        _survey_key("pulse_comments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_comments")),
        sqlite_with_rowid=False,
    )
    for table in ("pulse_participation", "pulse_answers", "pulse_comments"):
        op.create_index(op.f(f"ix_{table}_survey_id"), table, ["survey_id"])
    connection = op.get_bind()
    create_view(
        connection,
        "v_pulse_results",
        V_PULSE_RESULTS.format(mean=MEAN[connection.dialect.name]),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
