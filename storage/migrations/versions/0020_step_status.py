"""How each timed step and the outbox dispatcher fared last, per process kind (`gwbot status`).

Revision ID: 0020_step_status
Revises: 0019_obligation_waivers
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0020_step_status"
down_revision = "0019_obligation_waivers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Names, times and counts: no member, no text, no error message (see the model).
    op.create_table(
        "step_status",
        sa.Column("process", sa.String(16), nullable=False),
        sa.Column("step", sa.String(48), nullable=False),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_error_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(120), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("alerted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("process", "step", name=op.f("pk_step_status")),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
