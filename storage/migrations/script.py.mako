"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

from storage.views import views_suspended

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    # Table changes go inside views_suspended: SQLite cannot rebuild a table a view reads.
    with views_suspended(op.get_bind()):
        ${(upgrades if upgrades else "pass").replace("\n", "\n    ")}


def downgrade() -> None:
    with views_suspended(op.get_bind()):
        ${(downgrades if downgrades else "pass").replace("\n", "\n    ")}
