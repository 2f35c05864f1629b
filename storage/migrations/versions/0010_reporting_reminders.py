"""Reporting reminders: what went to whom, and the daily escalations.

Revision ID: 0010_reporting_reminders
Revises: 0009_schedules
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_reporting_reminders"
down_revision = "0009_schedules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_reporting_reminders_obligation_id_obligations"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_reporting_reminders_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_reminders")),
        sa.UniqueConstraint(
            "obligation_id",
            "offset_days",
            "member_id",
            name=op.f("uq_reporting_reminders_obligation_id"),
        ),
    )
    op.create_index(
        op.f("ix_reporting_reminders_obligation_id"), "reporting_reminders", ["obligation_id"]
    )
    op.create_index(op.f("ix_reporting_reminders_member_id"), "reporting_reminders", ["member_id"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_escalations_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("member_id", "sent_on", name=op.f("uq_escalations_member_id")),
    )
    op.create_index(op.f("ix_escalations_member_id"), "escalations", ["member_id"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
