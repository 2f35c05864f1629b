"""The initiative file: initiative, goals, indicators and who reports them, glossary, schedules.

Revision ID: 0003_initiative
Revises: 0002_settings_persistence
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime
from storage.views import views_suspended

revision = "0003_initiative"
down_revision = "0002_settings_persistence"
branch_labels = None
depends_on = None


def _entry_columns() -> list[sa.Column[object]]:
    """Columns every file-managed entry has: its order in the file, origin, active flag."""
    return [
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    with views_suspended(op.get_bind()), op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("origin", sa.String(8), server_default="chat", nullable=False))
    op.create_table(
        "initiative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("default_language", sa.String(2), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("holidays", sa.String(16), nullable=True),
        sa.Column("agenda_de", sa.Text(), nullable=False),
        sa.Column("agenda_en", sa.Text(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative")),
    )
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("title_de", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description_de", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        *_entry_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
        sa.UniqueConstraint("code", name=op.f("uq_goals_code")),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name_de", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("aggregation", sa.String(16), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_by", sa.Date(), nullable=True),
        sa.Column("target_mode", sa.String(16), nullable=True),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("note_on_implausible", sa.Boolean(), nullable=False),
        sa.Column("reported_by_all", sa.Boolean(), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        *_entry_columns(),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_indicators_goal_id_goals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_indicators_code")),
    )
    op.create_index(op.f("ix_indicators_goal_id"), "indicators", ["goal_id"])
    op.create_table(
        "indicator_reporters",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_reporters_indicator_id_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_indicator_reporters_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "indicator_id", "organisation_id", name=op.f("pk_indicator_reporters")
        ),
    )
    op.create_table(
        "glossary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("definition_de", sa.Text(), nullable=False),
        sa.Column("definition_en", sa.Text(), nullable=False),
        *_entry_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary")),
        sa.UniqueConstraint("term", name=op.f("uq_glossary_term")),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rrule", sa.String(500), nullable=True),
        sa.Column("starts", sa.Date(), nullable=True),
        sa.Column("offsets_days", sa.JSON(), nullable=True),
        sa.Column("escalate_after_days", sa.Integer(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=True),
        sa.Column("text_de", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=True),
        sa.Column("next_fire_at", UTCDateTime(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("code", name=op.f("uq_schedules_code")),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
