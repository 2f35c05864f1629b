"""Pulse surveys keep k >= 3; v_pulse_results shows closed surveys only; the raw answers and
comments of surveys that closed below their k are deleted (issue 22).

Earlier versions wrote answers in batches smaller than k when the bot stopped or a survey
closed, and accepted k = 2; what that left behind is cleaned up here, once.

Revision ID: 0015_pulse_k
Revises: 0014_signals
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.views import views_suspended

revision = "0015_pulse_k"
down_revision = "0014_signals"
branch_labels = None
depends_on = None

MIN_K = 3
V_PULSE_RESULTS = (
    "SELECT a.survey_id AS survey_id, a.question_code AS question_code,"
    " COUNT(*) AS responses, {mean} AS mean_score"
    " FROM pulse_answers a JOIN pulse_surveys s ON s.id = a.survey_id"
    " WHERE s.closed"
    " GROUP BY a.survey_id, a.question_code, s.k"
    " HAVING COUNT(*) >= s.k"
)
MEAN = {
    "sqlite": "ROUND(AVG(a.score), 4)",
    "postgresql": "CAST(ROUND(AVG(a.score), 4) AS DOUBLE PRECISION)",
}
# Closed surveys fewer people took part in than their k: as bot.services.pulse.pulse.close_due
# counts them.
BELOW_K = (
    "SELECT s.id FROM pulse_surveys s WHERE s.closed AND s.k >"
    " (SELECT COUNT(*) FROM pulse_participation p WHERE p.survey_id = s.id)"
)


def upgrade() -> None:
    connection = op.get_bind()
    # Before the raw answers are judged by it: a k of 2 was never enough.
    op.execute(sa.text(f"UPDATE pulse_surveys SET k = {MIN_K} WHERE k < {MIN_K}"))
    for table in ("pulse_answers", "pulse_comments"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE survey_id IN ({BELOW_K})"))
    view = V_PULSE_RESULTS.format(mean=MEAN[connection.dialect.name])
    with (
        views_suspended(connection, replace={"v_pulse_results": view}),
        op.batch_alter_table("pulse_surveys") as batch,
    ):
        batch.create_check_constraint("k_at_least_3", f"k >= {MIN_K}")


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
