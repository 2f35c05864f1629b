"""Member settings; conversation states, user_data and chat_data for PTB persistence.

Revision ID: 0002_settings_persistence
Revises: 0001_base
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import views_suspended

revision = "0002_settings_persistence"
down_revision = "0001_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with views_suspended(op.get_bind()), op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("reminder_hour", sa.SmallInteger(), server_default="9", nullable=False)
        )
        batch.add_column(sa.Column("quiet_start", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("quiet_end", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_members_reminder_hour_valid"), sa.text("reminder_hour BETWEEN 0 AND 23")
        )
        batch.create_check_constraint(
            op.f("ck_members_quiet_hours_valid"),
            sa.text(
                "(quiet_start IS NULL AND quiet_end IS NULL) OR (quiet_start BETWEEN 0 AND 23"
                " AND quiet_end BETWEEN 0 AND 23 AND quiet_start <> quiet_end)"
            ),
        )
    op.create_table(
        "conversation_states",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_conversation_states")),
    )
    for table, column in (("user_data", "user_id"), ("chat_data", "chat_id")):
        op.create_table(
            table,
            sa.Column(column, sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("data", sa.JSON(), nullable=False),
            sa.Column("updated_at", UTCDateTime(), nullable=False),
            sa.PrimaryKeyConstraint(column, name=op.f(f"pk_{table}")),
        )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
