"""The engine keeps its promises: SQLite pragmas, no lost updates, UTC times on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from bot.app import build_application, runtime_of
from bot.config import DatabaseSettings, Settings
from storage.engine import SQLITE_BUSY_TIMEOUT_MS, checkpoint, make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from storage.models import Organisation


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'gwbot.db'}"


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    async with engine.connect() as conn:
        pragma = conn.exec_driver_sql
        assert (await pragma("PRAGMA journal_mode")).scalar() == "wal"
        assert (await pragma("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert (await pragma("PRAGMA foreign_keys")).scalar() == 1
        assert (await pragma("PRAGMA secure_delete")).scalar() == 1
    await engine.dispose()


async def test_erased_text_leaves_the_files_at_the_checkpoint(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
        await conn.exec_driver_sql("INSERT INTO people VALUES (1, 'Quellenbrink'), (2, 'Berger')")
    # In the database file itself, where SQLite's own checkpoints bring every row in time.
    assert await checkpoint(engine)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("UPDATE people SET name = NULL WHERE id = 1")
    assert await checkpoint(engine)
    files = [tmp_path / "gwbot.db", tmp_path / "gwbot.db-wal"]
    assert [f.name for f in files if b"Quellenbrink" in f.read_bytes()] == []
    assert b"Berger" in files[0].read_bytes()
    await engine.dispose()


@pytest.mark.parametrize(
    ("setting", "pragma"), [("OFF", 0), ("NORMAL", 1), ("FULL", 2), ("EXTRA", 3)]
)
async def test_sqlite_synchronous_is_what_the_setting_says(
    setting: str, pragma: int, tmp_path: Path
) -> None:
    database = DatabaseSettings(url=sqlite_url(tmp_path), sqlite_synchronous=setting)
    engine = make_engine(database.url, sqlite_synchronous=database.sqlite_synchronous)
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == pragma
    await engine.dispose()


async def test_the_application_uses_the_configured_sqlite_synchronous(tmp_path: Path) -> None:
    settings = Settings(
        bot={"token": "1:abc"},
        database={"url": sqlite_url(tmp_path), "sqlite_synchronous": "NORMAL"},
    )
    engine = runtime_of(build_application(settings)).engine
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1
    await engine.dispose()


async def test_concurrent_read_then_write_transactions_lose_nothing(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
        await conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    sessions = make_sessionmaker(engine)

    async def increment() -> None:
        async with sessions.begin() as session:
            conn = await session.connection()
            n = (await conn.exec_driver_sql("SELECT n FROM counter")).scalar_one()
            await asyncio.sleep(0)  # let the other transactions run in between
            await conn.exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))

    # With deferred transactions some of these fail with "database is locked" or overwrite
    # each other's increment; BEGIN IMMEDIATE serialises them.
    await asyncio.gather(*(increment() for _ in range(20)))
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT n FROM counter")).scalar() == 20
    await engine.dispose()


async def test_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await upgrade_database(url)
    engine = make_engine(url)
    writes, reads = make_sessionmaker(engine), make_sessionmaker(engine, read_only=True)
    async with writes.begin() as writer:
        writer.add(Organisation(code="awo", name="AWO", kind="Verein"))
        await writer.flush()  # the writer now holds SQLite's write lock
        async with reads() as reader:
            found = await asyncio.wait_for(reader.scalar(select(Organisation.code)), timeout=5)
        assert found is None  # not committed yet
    await engine.dispose()


async def test_times_are_stored_and_returned_as_utc(database: DatabaseSettings) -> None:
    await upgrade_database(database.url, schema=database.schema_name)
    engine = make_engine(database.url, schema=database.schema_name)
    sessions = make_sessionmaker(engine)
    berlin_evening = datetime(2026, 11, 27, 23, 30, tzinfo=timezone(timedelta(hours=1)))
    async with sessions.begin() as session:
        session.add(Organisation(code="awo", name="AWO", kind="", created_at=berlin_evening))
    async with sessions() as session:
        stored = await session.scalar(select(Organisation.created_at))
    assert stored == berlin_evening
    assert stored.tzinfo == UTC
    assert stored.hour == 22
    with pytest.raises(StatementError, match="naive datetime"):
        async with sessions.begin() as session:
            session.add(Organisation(code="x", name="X", kind="", created_at=datetime(2026, 1, 1)))
    await engine.dispose()
