"""Broadcasts; view v_broadcasts.

Revision ID: 0006_broadcasts
Revises: 0005_outbox
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import create_view

revision = "0006_broadcasts"
down_revision = "0005_outbox"
branch_labels = None
depends_on = None

_COUNTS = (
    " b.audience AS audience,"
    " COUNT(d.id) AS recipients,"
    " COALESCE(SUM(CASE WHEN d.state = 'sent' THEN 1 ELSE 0 END), 0) AS sent,"
    " COALESCE(SUM(CASE WHEN d.state = 'failed' THEN 1 ELSE 0 END), 0) AS failed,"
    " COALESCE(SUM(CASE WHEN d.state = 'blocked' THEN 1 ELSE 0 END), 0) AS blocked,"
    " COALESCE(SUM(CASE WHEN d.state IN ('pending', 'sending') THEN 1 ELSE 0 END), 0)"
    " AS pending,"
    " COALESCE(SUM(CASE WHEN d.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END), 0)"
    " AS acknowledged"
    " FROM broadcasts b"
    " LEFT JOIN deliveries d ON d.reference = 'broadcast:' || CAST(b.id AS TEXT)"
    " GROUP BY b.id, b.created_at, b.audience"
)

V_BROADCASTS = {
    "sqlite": (
        "SELECT b.id AS broadcast_id,"
        " strftime('%Y-%m-%dT%H:%M:%SZ', b.created_at) AS created_at," + _COUNTS
    ),
    "postgresql": (
        "SELECT b.id AS broadcast_id,"
        " to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        " AS created_at," + _COUNTS
    ),
}


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ask_ack", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("report_queued_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_broadcasts_author_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_author_id"), "broadcasts", ["author_id"])
    create_view(op.get_bind(), "v_broadcasts", V_BROADCASTS)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
