"""Base schema: organisations, members, processed updates; view v_members.

Revision ID: 0001_base
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import create_view

revision = "0001_base"
down_revision = None
branch_labels = None
depends_on = None

V_MEMBERS = {
    "sqlite": (
        "SELECT o.code AS organisation_code, m.role AS role, m.language AS language,"
        " strftime('%Y-%m-%d', m.joined_at) AS joined_on,"
        " CASE WHEN m.active THEN 1 ELSE 0 END AS active"
        " FROM members m JOIN organisations o ON o.id = m.organisation_id"
    ),
    "postgresql": (
        "SELECT o.code AS organisation_code, m.role AS role, m.language AS language,"
        " to_char(m.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS joined_on,"
        " CASE WHEN m.active THEN 1 ELSE 0 END AS active"
        " FROM members m JOIN organisations o ON o.id = m.organisation_id"
    ),
}


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("backbone", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("active_since", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("display_name", sa.String(128), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("reporting_contact", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.Column("consent_at", UTCDateTime(), nullable=True),
        sa.Column("last_active_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "role IN ('partner', 'coordinator', 'admin', 'observer')",
            name=op.f("ck_members_role_known"),
        ),
        sa.CheckConstraint("language IN ('de', 'en')", name=op.f("ck_members_language_known")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_members_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_members_telegram_id")),
    )
    op.create_index(op.f("ix_members_organisation_id"), "members", ["organisation_id"])
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    create_view(op.get_bind(), "v_members", V_MEMBERS)


def downgrade() -> None:
    raise NotImplementedError("the base schema cannot be downgraded")
