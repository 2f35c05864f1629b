"""Concerns and their threads; deliveries to anonymous reporters; v_concerns.

Revision ID: 0011_concerns
Revises: 0010_reporting_reminders
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import create_view, views_suspended

revision = "0011_concerns"
down_revision = "0010_reporting_reminders"
branch_labels = None
depends_on = None

V_CONCERNS = (
    "SELECT c.ticket AS ticket, c.category AS category, c.severity AS severity,"
    " c.status AS status, {opened} AS opened_on,"
    " CASE WHEN c.anonymous THEN 1 ELSE 0 END AS anonymous,"
    " {last} AS last_activity_on"
    " FROM concerns c"
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
    op.create_table(
        "concerns",
        sa.Column("id", sa.String(22), nullable=False),
        sa.Column("ticket", sa.String(8), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("receipt_hash", sa.String(64), nullable=True),
        sa.Column("contact", sa.String(80), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("last_activity_on", sa.Date(), nullable=False),
        sa.Column("batch_at", UTCDateTime(), nullable=False),
        sa.Column("notified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("escalated", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["members.id"], name=op.f("fk_concerns_reporter_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concerns")),
        sa.UniqueConstraint("ticket", name=op.f("uq_concerns_ticket")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_concerns_receipt_hash")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_concerns_reporter_id"), "concerns", ["reporter_id"])
    op.create_table(
        "concern_messages",
        sa.Column("id", sa.String(22), nullable=False),
        sa.Column("concern_id", sa.String(22), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("batch_at", UTCDateTime(), nullable=False),
        sa.Column("notified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
            name=op.f("fk_concern_messages_concern_id_concerns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["members.id"],
            name=op.f("fk_concern_messages_coordinator_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_messages")),
        sa.UniqueConstraint("concern_id", "position", name=op.f("uq_concern_messages_concern_id")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_concern_messages_concern_id"), "concern_messages", ["concern_id"])
    op.create_index(
        op.f("ix_concern_messages_coordinator_id"), "concern_messages", ["coordinator_id"]
    )
    connection = op.get_bind()
    with views_suspended(connection), op.batch_alter_table("deliveries") as batch:
        batch.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("contact", sa.String(80), nullable=True))
    create_view(connection, "v_concerns", _view(connection.dialect.name))


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
