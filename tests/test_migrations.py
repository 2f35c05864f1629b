"""Migrations build the models' schema on SQLite and PostgreSQL, views survive table changes."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from bot.config import DatabaseSettings
from bot.services.obligations import ensure_obligations
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import current_revision, head_revision, upgrade_database
from storage.models import Base, ChatData, ConversationState, ObligationMark, Role, UserData
from storage.types import UTCDateTime
from tests.conftest import apply_initiative_text
from tests.factories import add_member
from tests.test_obligations import INITIATIVE

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def database(empty_database: DatabaseSettings) -> DatabaseSettings:
    """Here the migrations run from scratch."""
    return empty_database


async def upgrade(database: DatabaseSettings, **kwargs: object) -> str | None:
    return await upgrade_database(database.url, schema=database.schema_name, **kwargs)  # type: ignore[arg-type]


def engine_for(database: DatabaseSettings):  # type: ignore[no-untyped-def]
    return make_engine(database.url, schema=database.schema_name)


async def test_migrated_schema_matches_the_models(database: DatabaseSettings) -> None:
    assert await upgrade(database) == head_revision()
    engine = engine_for(database)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
    await engine.dispose()


async def test_upgrading_twice_changes_nothing(database: DatabaseSettings) -> None:
    first = await upgrade(database)
    assert await upgrade(database) == first


async def test_two_processes_upgrading_at_once_do_not_race(database: DatabaseSettings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GWBOT_")}
    env |= {"PYTHONPATH": str(REPO_ROOT), "GWBOT_DATABASE__URL": database.url}
    if database.schema_name:
        env["GWBOT_DATABASE__SCHEMA"] = database.schema_name
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "db", "upgrade", env=env, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    errors = [(await process.communicate())[1].decode() for process in processes]
    assert [process.returncode for process in processes] == [0, 0], errors
    engine = engine_for(database)
    async with engine.connect() as conn:
        assert await conn.run_sync(current_revision) == head_revision()
    await engine.dispose()


async def test_v_members_has_the_contract_columns_and_formats(database: DatabaseSettings) -> None:
    await upgrade(database)
    engine = engine_for(database)
    sessions = make_sessionmaker(engine)
    await add_member(sessions, 1, role=Role.COORDINATOR, language="en", organisation="caritas")
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql("SELECT * FROM v_members")
        rows = result.all()
        assert list(result.keys()) == [
            "organisation_code",
            "role",
            "language",
            "joined_on",
            "active",
        ]
    await engine.dispose()
    ((org, role, language, joined_on, active),) = rows
    assert (org, role, language, active) == ("caritas", "coordinator", "en", 1)
    assert isinstance(joined_on, str)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", joined_on)


LATER_MIGRATION = """
import contextlib

import sqlalchemy as sa
from alembic import op

from storage.views import views_suspended

revision = "9999_test_later"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    with {context}:
        with op.batch_alter_table("members") as batch:
            batch.add_column(sa.Column("nickname", sa.String(50), nullable=True))
            batch.alter_column("display_name", type_=sa.String(300))
        with op.batch_alter_table("organisations") as batch:
            batch.alter_column("name", type_=sa.String(400))
"""


def write_later_migration(tmp_path: Path, *, suspend_views: bool) -> str:
    folder = tmp_path / "later_versions"
    folder.mkdir()
    context = "views_suspended(op.get_bind())" if suspend_views else "contextlib.nullcontext()"
    (folder / "9999_test_later.py").write_text(
        textwrap.dedent(LATER_MIGRATION.format(down=head_revision(), context=context))
    )
    return str(folder)


async def test_a_later_migration_can_alter_tables_that_views_read(
    database: DatabaseSettings, tmp_path: Path
) -> None:
    await upgrade(database)
    engine = engine_for(database)
    await add_member(make_sessionmaker(engine), 7, organisation="awo")
    await engine.dispose()

    later = write_later_migration(tmp_path, suspend_views=True)
    assert await upgrade(database, extra_version_locations=[later]) == "9999_test_later"

    engine = engine_for(database)
    async with engine.connect() as conn:
        # The view is back and still reads the rebuilt tables; no member row was lost, although
        # rebuilding `organisations` with foreign keys on would have failed or cascaded.
        assert (await conn.exec_driver_sql("SELECT organisation_code FROM v_members")).all() == [
            ("awo",)
        ]
        assert (await conn.exec_driver_sql("SELECT nickname FROM members")).all() == [(None,)]
    await engine.dispose()


async def test_without_suspending_views_sqlite_cannot_rebuild_the_table(tmp_path: Path) -> None:
    database = DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'gwbot.db'}")
    await upgrade(database)
    later = write_later_migration(tmp_path, suspend_views=False)
    with pytest.raises(OperationalError, match="v_members"):
        await upgrade(database, extra_version_locations=[later])


async def test_bot_state_keeps_no_empty_drafts_and_no_exact_times(
    database: DatabaseSettings,
) -> None:
    """0016: rows of empty drafts go, user_data and chat_data lose their time, and a
    conversation's time is cut to the minute (what its expiry needs)."""
    await upgrade(database, revision="0014_signals")
    engine = engine_for(database)
    at = datetime(2026, 1, 20, 9, 17, 42, 123456, tzinfo=UTC)
    rows = {
        "user_data": [(1, {"report": {}}), (2, {"report": {"value": 13}}), (3, {})],
        "chat_data": [(1, {"a": [], "b": {}}), (2, {"seen": True})],
    }
    async with engine.begin() as conn:
        for table, entries in rows.items():
            key = "user_id" if table == "user_data" else "chat_id"
            columns = sa.table(
                table,
                sa.column(key),
                sa.column("data", sa.JSON()),
                sa.column("updated_at", UTCDateTime()),
            )
            for id_, data in entries:
                await conn.execute(
                    sa.insert(columns).values({key: id_, "data": data, "updated_at": at})
                )
        states = sa.table(
            "conversation_states",
            sa.column("name"),
            sa.column("key"),
            sa.column("state", sa.JSON()),
            sa.column("updated_at", UTCDateTime()),
        )
        await conn.execute(
            sa.insert(states).values(name="report", key="[2,2]", state=3, updated_at=at)
        )
    await engine.dispose()

    assert await upgrade(database) == head_revision()
    engine = engine_for(database)
    async with make_sessionmaker(engine)() as session:
        assert (await session.execute(sa.select(UserData.user_id, UserData.data))).all() == [
            (2, {"report": {"value": 13}})
        ]
        assert (await session.execute(sa.select(ChatData.chat_id))).all() == [(2,)]
        assert await session.scalar(sa.select(ConversationState.updated_at)) == at.replace(
            second=0, microsecond=0
        )
    await engine.dispose()


async def test_obligations_written_before_keep_their_span(
    database: DatabaseSettings, tmp_path: Path
) -> None:
    """0019: the marks of how far obligations are written start from the obligations there
    are, so the first look after the upgrade writes only what is new."""
    await upgrade(database, revision="0018_concerns_announced")
    engine = engine_for(database)
    sessions = make_sessionmaker(engine)
    # The initiative is applied with today's models: 0021's short names exist for that moment
    # only (0019 does not read them; 0021 adds them for good).
    short_names = ("short_de", "short_en")
    async with engine.begin() as conn:
        for column in short_names:
            await conn.execute(
                sa.text(f"ALTER TABLE indicators ADD COLUMN {column} VARCHAR(60) DEFAULT ''")
            )
    await apply_initiative_text(sessions, INITIATIVE, tmp_path)  # tables 0019 leaves alone
    async with engine.begin() as conn:
        for column in short_names:
            await conn.execute(sa.text(f"ALTER TABLE indicators DROP COLUMN {column}"))
    obligations = sa.table(
        "obligations",
        *(sa.column(name) for name in ("indicator_id", "organisation_id", "period")),
        sa.column("period_start", sa.Date()),
        sa.column("period_end", sa.Date()),
        sa.column("due_at", UTCDateTime()),
        sa.column("created_at", UTCDateTime()),
    )
    async with engine.begin() as conn:
        monthly, awo = (
            await conn.execute(
                sa.text(
                    "SELECT i.id, o.id FROM indicators i, organisations o"
                    " WHERE i.code = 'monat' AND o.code = 'awo'"
                )
            )
        ).one()
        at = datetime(2026, 3, 1, tzinfo=UTC)
        for month in (1, 2):
            await conn.execute(
                sa.insert(obligations).values(
                    indicator_id=monthly,
                    organisation_id=awo,
                    period=f"2026-0{month}",
                    period_start=date(2026, month, 1),
                    period_end=date(2026, month, 28),
                    due_at=at,
                    created_at=at,
                )
            )
    await engine.dispose()

    assert await upgrade(database) == head_revision()
    engine = engine_for(database)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        marks = (await session.execute(sa.select(ObligationMark))).scalars().all()
    assert [(m.indicator_id, m.organisation_id, m.owed_from, m.written_until) for m in marks] == [
        (monthly, awo, date(2026, 1, 1), date(2026, 2, 28))
    ]
    async with sessions.begin() as session:
        # March, and the weekly figures, which had none.
        assert await ensure_obligations(session, datetime(2026, 3, 2, 12, tzinfo=UTC)) == 1 + 10
    await engine.dispose()
