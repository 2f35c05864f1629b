"""Schedule engine: the log of firings; RSVPs to meeting reminders.

Revision ID: 0009_schedules
Revises: 0008_completeness
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0009_schedules"
down_revision = "0008_completeness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", UTCDateTime(), nullable=False),
        sa.Column("fired_at", UTCDateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_schedule_runs_schedule_id_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint("schedule_id", "occurrence", name=op.f("uq_schedule_runs_schedule_id")),
    )
    op.create_index(op.f("ix_schedule_runs_schedule_id"), "schedule_runs", ["schedule_id"])
    op.create_table(
        "rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(8), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_rsvps_schedule_id_schedules")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_rsvps_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rsvps")),
        sa.UniqueConstraint(
            "schedule_id", "meeting_on", "member_id", name=op.f("uq_rsvps_schedule_id")
        ),
    )
    op.create_index(op.f("ix_rsvps_schedule_id"), "rsvps", ["schedule_id"])
    op.create_index(op.f("ix_rsvps_member_id"), "rsvps", ["member_id"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
