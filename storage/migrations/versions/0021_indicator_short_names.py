"""Short indicator names for /melden's buttons (phones cut labels at about 30 characters).

Revision ID: 0021_indicator_short_names
Revises: 0020_step_status
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

from storage.views import views_suspended

revision = "0021_indicator_short_names"
down_revision = "0020_step_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty: no short name given, the buttons use the name.
    with views_suspended(op.get_bind()), op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("short_de", sa.String(60), nullable=False, server_default=""))
        batch.add_column(sa.Column("short_en", sa.String(60), nullable=False, server_default=""))


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
