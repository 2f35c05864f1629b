"""The turn to send: dispatchers of several processes share one rate budget.

Revision ID: 0017_send_turn
Revises: 0016_bot_state_times
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0017_send_turn"
down_revision = "0016_bot_state_times"
branch_labels = None
depends_on = None


def upgrade() -> None:
    turns = op.create_table(
        "send_turns",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_turns")),
    )
    # The row exists before any dispatcher runs, so taking the turn is always an UPDATE.
    op.bulk_insert(turns, [{"name": "outbox", "holder": None, "until": None}])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
