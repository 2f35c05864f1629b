"""Activities and their partner organisations; the digest setting; v_activities.

Revision ID: 0013_activities
Revises: 0012_pulse
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import create_view, views_suspended

revision = "0013_activities"
down_revision = "0012_pulse"
branch_labels = None
depends_on = None

# Partner codes sorted and comma-separated (SQLite 3.40 has no ORDER BY in group_concat: the
# codes are ordered in a subquery first).
PARTNERS = {
    "sqlite": (
        "(SELECT group_concat(code, ',') FROM (SELECT po.code AS code FROM activity_partners ap"
        " JOIN organisations po ON po.id = ap.organisation_id"
        " WHERE ap.activity_id = a.id ORDER BY po.code))"
    ),
    "postgresql": (
        "(SELECT string_agg(po.code, ',' ORDER BY po.code) FROM activity_partners ap"
        " JOIN organisations po ON po.id = ap.organisation_id WHERE ap.activity_id = a.id)"
    ),
}
DAY = {
    "sqlite": "strftime('%Y-%m-%d', a.activity_date)",
    "postgresql": "to_char(a.activity_date, 'YYYY-MM-DD')",
}
V_ACTIVITIES = (
    "SELECT a.id AS activity_id, o.code AS organisation_code, {day} AS activity_date,"
    " a.title AS title, g.code AS goal_code, a.target_group AS target_group,"
    " a.district AS district, a.reach AS reach, {partners} AS partner_codes"
    " FROM activities a JOIN organisations o ON o.id = a.organisation_id"
    " JOIN goals g ON g.id = a.goal_id"
)


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("target_group", sa.String(100), nullable=True),
        sa.Column("district", sa.String(100), nullable=True),
        sa.Column("reach", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_activities_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_activities_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_activities_goal_id_goals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    for column in ("organisation_id", "member_id", "activity_date", "goal_id"):
        op.create_index(op.f(f"ix_activities_{column}"), "activities", [column])
    op.create_table(
        "activity_partners",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_partners_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_activity_partners_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "activity_id", "organisation_id", name=op.f("pk_activity_partners")
        ),
    )
    op.create_index(
        op.f("ix_activity_partners_organisation_id"), "activity_partners", ["organisation_id"]
    )
    connection = op.get_bind()
    with views_suspended(connection):
        with op.batch_alter_table("members") as batch:
            batch.add_column(
                sa.Column("activity_digest", sa.Boolean(), server_default=sa.true(), nullable=False)
            )
        with op.batch_alter_table("organisations") as batch:
            batch.add_column(
                sa.Column("show_activities", sa.Boolean(), server_default=sa.true(), nullable=False)
            )
    dialect = connection.dialect.name
    create_view(
        connection,
        "v_activities",
        V_ACTIVITIES.format(day=DAY[dialect], partners=PARTNERS[dialect]),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
