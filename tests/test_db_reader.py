"""`gwbot db grant-reader`: a read-only database role for the backbone's BI tools that sees the
views and nothing else (DESIGN section 6). PostgreSQL has roles; SQLite has none, and says so."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.config import DatabaseSettings
from storage.engine import make_engine
from storage.views import views_suspended
from tests.export_steps import point_cli_at
from tests.factories import add_member

PASSWORD = "Lese'recht \\ 2026"  # a quote and a backslash: quoted, not cut short


async def connect_as(database: DatabaseSettings, role: str) -> asyncpg.Connection:
    url = make_url(database.url)
    return await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        database=url.database,
        user=role,
        password=PASSWORD,
        server_settings={"search_path": database.schema_name or "public"},
    )


async def drop_role(database: DatabaseSettings, role: str) -> None:
    engine = make_engine(database.url)
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
        await connection.exec_driver_sql(f'DROP ROLE "{role}"')
    await engine.dispose()


def recreate_views(connection: Connection) -> None:
    with views_suspended(connection):
        pass


async def grant(role: str) -> None:
    await asyncio.to_thread(main, ["db", "grant-reader", role, "--password-env", "READER_PW"])


async def test_the_reader_role_selects_from_views_and_nothing_else(
    database: DatabaseSettings,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    point_cli_at(monkeypatch, database)
    monkeypatch.setenv("READER_PW", PASSWORD)
    role = f"reader_{uuid.uuid4().hex[:10]}"
    if not database.is_postgresql:
        with pytest.raises(SystemExit) as info:
            await grant(role)
        assert info.value.code == 1
        err = capsys.readouterr().err
        assert "SQLite has no database roles" in err and "sqlite3 -readonly" in err
        return
    await add_member(sessions, 4_711_000_001, name="Anna Berger")
    try:
        await grant(role)
        await grant(role)  # again: changes nothing, fails on nothing
        assert role in capsys.readouterr().out
        reader = await connect_as(database, role)
        try:
            assert await reader.fetch("SELECT organisation_code, role FROM v_members") == [
                ("awo", "partner")
            ]
            for table in ("members", "concerns", "processed_updates"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await reader.fetch(f"SELECT * FROM {table}")
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await reader.execute("CREATE TABLE notes (x int)")
        finally:
            await reader.close()

        # A later migration recreates the views around a table change: the grant stays.
        engine = make_engine(database.url, schema=database.schema_name)
        async with engine.begin() as connection:
            await connection.run_sync(recreate_views)
        await engine.dispose()
        reader = await connect_as(database, role)
        try:
            assert len(await reader.fetch("SELECT * FROM v_members")) == 1
        finally:
            await reader.close()
    finally:
        await drop_role(database, role)
