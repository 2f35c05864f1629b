"""v_concerns shows a concern only once its batch was announced.

Anonymous concerns are written at the end of their batch; one written earlier (on a clean
stop) must not show before its batch has ended (DESIGN section 6). `notified` is set when the
batch is announced to the coordinators.

Revision ID: 0018_concerns_announced
Revises: 0017_send_turn
Create Date: 2026-12-07
"""

from alembic import op

from storage.views import views_suspended

revision = "0018_concerns_announced"
down_revision = "0017_send_turn"
branch_labels = None
depends_on = None

V_CONCERNS = (
    "SELECT c.ticket AS ticket, c.category AS category, c.severity AS severity,"
    " c.status AS status, {opened} AS opened_on,"
    " CASE WHEN c.anonymous THEN 1 ELSE 0 END AS anonymous,"
    " {last} AS last_activity_on"
    " FROM concerns c WHERE c.notified"
)
DAY = {
    "sqlite": "strftime('%Y-%m-%d', {column})",
    "postgresql": "to_char({column}, 'YYYY-MM-DD')",
}


def _view(dialect: str) -> str:
    day = DAY[dialect]
    return V_CONCERNS.format(
        opened=day.format(column="c.opened_on"), last=day.format(column="c.last_activity_on")
    )


def upgrade() -> None:
    connection = op.get_bind()
    with views_suspended(connection, replace={"v_concerns": _view(connection.dialect.name)}):
        pass


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
