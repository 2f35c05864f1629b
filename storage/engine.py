"""Engine and session factory.

SQLite gets WAL (readers never block the writer), a busy timeout, and `BEGIN IMMEDIATE` for
every transaction: a deferred transaction that reads and then writes fails with "database is
locked" or loses updates when another connection wrote in between. `secure_delete` zeroes what
is deleted or overwritten instead of leaving it in free space, and `checkpoint()` empties the
WAL, where earlier versions of pages stay until then: together they make an erasure (a member
leaving) an erasure on disk too.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# How hard a commit waits for the disk: FULL survives a power loss; NORMAL in WAL mode may lose
# the last commits then (not on a crash of the process); OFF may corrupt; EXTRA syncs the
# directory too.
SqliteSynchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
READ_ONLY_OPTION = "gwbot_read_only"


def make_engine(
    url: str,
    *,
    schema: str | None = None,
    foreign_keys: bool = True,
    sqlite_synchronous: SqliteSynchronous = "FULL",
    **kwargs: Any,
) -> AsyncEngine:
    """Create the engine for `url`.

    `foreign_keys=False` is for migrations only: SQLite ignores the pragma inside a
    transaction, and rebuilding a table with it on cascades deletes into child rows.
    `schema` selects a PostgreSQL schema through the search path.
    """
    backend = make_url(url).get_backend_name()
    # Database errors are logged with their traceback (a failing timed step, a handler):
    # their text must not quote the rows' values, which are what members wrote.
    kwargs.setdefault("hide_parameters", True)
    if backend == "sqlite":
        if sqlite_synchronous not in get_args(SqliteSynchronous):
            raise ValueError(f"PRAGMA synchronous={sqlite_synchronous!r} is not a level")
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine, foreign_keys=foreign_keys, synchronous=sqlite_synchronous)
        return engine
    if schema:
        kwargs.setdefault("connect_args", {})["server_settings"] = {"search_path": schema}
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool, synchronous: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself instead of the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first: switching to WAL waits for other connections too.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A read-only unit of work never upgrades to a write lock, so a deferred BEGIN is safe
        # and lets it run beside a writer (WAL).
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_sessionmaker(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """The one session factory per engine; `read_only` units of work must not write."""
    bind = engine.execution_options(**{READ_ONLY_OPTION: True}) if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False)


async def checkpoint(engine: AsyncEngine) -> bool:
    """SQLite: copy the WAL into the database file and truncate it, so that rows just erased
    leave no earlier version of their pages behind; call it after the erasing transaction
    committed. False when readers kept it from finishing (the next checkpoint then does).
    PostgreSQL keeps erased rows as dead tuples until (auto)vacuum; nothing to do here."""
    if engine.dialect.name != "sqlite":
        return True
    # Not inside BEGIN IMMEDIATE: SQLite refuses to checkpoint while holding the write lock.
    reading = engine.execution_options(**{READ_ONLY_OPTION: True})
    async with reading.connect() as connection:
        result = await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = result.scalar()
    return not busy
