"""Bot state keeps no finer time than it needs: user_data and chat_data lose their time,
conversation times are cut to the minute, and rows that hold only empty drafts go.

Revision ID: 0016_bot_state_times
Revises: 0015_pulse_k
Create Date: 2026-11-28
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import views_suspended

revision = "0016_bot_state_times"
down_revision = "0015_pulse_k"
branch_labels = None
depends_on = None

CONVERSATIONS = sa.table(
    "conversation_states",
    sa.column("name", sa.String()),
    sa.column("key", sa.String()),
    sa.column("updated_at", UTCDateTime()),
)


def _blank(value: Any) -> bool:
    """As bot.telegram.persistence: empty containers all the way down, e.g. {"report": {}}."""
    if isinstance(value, dict):
        return all(_blank(item) for item in value.values())
    if isinstance(value, list):
        return not value
    return False


def upgrade() -> None:
    connection = op.get_bind()
    for table, column in (("user_data", "user_id"), ("chat_data", "chat_id")):
        rows = sa.table(table, sa.column(column, sa.BigInteger()), sa.column("data", sa.JSON()))
        for key, data in connection.execute(sa.select(rows.c[column], rows.c.data)).all():
            if _blank(data):
                connection.execute(sa.delete(rows).where(rows.c[column] == key))
    # Table changes go inside views_suspended: SQLite cannot rebuild a table a view reads.
    with views_suspended(connection):
        for table in ("user_data", "chat_data"):
            with op.batch_alter_table(table) as batch:
                batch.drop_column("updated_at")
    states = connection.execute(
        sa.select(CONVERSATIONS.c.name, CONVERSATIONS.c.key, CONVERSATIONS.c.updated_at)
    ).all()
    for name, key, at in states:
        connection.execute(
            sa.update(CONVERSATIONS)
            .where(CONVERSATIONS.c.name == name, CONVERSATIONS.c.key == key)
            .values(updated_at=at.replace(second=0, microsecond=0))
        )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
