"""The outbox: deliveries; members who blocked the bot.

Revision ID: 0005_outbox
Revises: 0004_invites_audit
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import views_suspended

revision = "0005_outbox"
down_revision = "0004_invites_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with views_suspended(op.get_bind()), op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("blocked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_deliveries_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "not_before"])
    op.create_index(op.f("ix_deliveries_member_id"), "deliveries", ["member_id"])
    op.create_index(op.f("ix_deliveries_reference"), "deliveries", ["reference"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
