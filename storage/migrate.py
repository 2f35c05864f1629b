"""Apply Alembic migrations safely from inside the event loop (Alembic's run_sync pattern).

SQLite: a dedicated engine with foreign keys off (rebuilding a table with them on cascades
deletes into child rows), then `PRAGMA foreign_key_check`. PostgreSQL: under an advisory lock,
so two processes starting on a fresh database do not race.
"""

from __future__ import annotations

import asyncio
import fcntl
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from storage.engine import make_engine

SCRIPT_LOCATION = "storage:migrations"
# Any fixed number; it only has to be the same for every gwbot process.
ADVISORY_LOCK_KEY = 0x6777626F74  # "gwbot"


# Alembic's `op` and `context` are module-level proxies: two migrations running at once in
# one process would send each other's DDL to the wrong connection.
_IN_PROCESS = asyncio.Lock()


class MigrationError(Exception):
    """The database could not be brought to the current schema."""


def alembic_config(
    connection: Connection | None = None, extra_version_locations: Sequence[str] = ()
) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # New migrations are named by their id alone: "0021_<slug>" (see new_revision).
    config.set_main_option("file_template", "%%(rev)s")
    if extra_version_locations:
        # Tests add migrations of their own after ours. Newlines, because ":" is part of the
        # package location and of os.pathsep.
        config.set_main_option("path_separator", "newline")
        locations = [f"{SCRIPT_LOCATION}/versions", *extra_version_locations]
        config.set_main_option("version_locations", "\n".join(locations))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_database(
    url: str,
    *,
    schema: str | None = None,
    revision: str = "head",
    extra_version_locations: Sequence[str] = (),
) -> str | None:
    """Bring the database at `url` to `revision`; return the revision it is at afterwards."""
    async with _IN_PROCESS, _sqlite_file_lock(url):
        return await _upgrade_database(url, schema, revision, extra_version_locations)


@asynccontextmanager
async def _sqlite_file_lock(url: str) -> AsyncIterator[None]:
    """SQLite's counterpart of PostgreSQL's advisory lock: a lock file beside the database.

    Two processes upgrading a fresh file at once otherwise race while switching it to WAL,
    which SQLite may refuse with "database is locked" before its busy timeout applies.
    """
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        yield
        return
    path = Path(parsed.database).with_name(Path(parsed.database).name + ".migrate-lock")
    with path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def _upgrade_database(
    url: str, schema: str | None, revision: str, extra_version_locations: Sequence[str]
) -> str | None:
    engine = make_engine(url, schema=schema, foreign_keys=False)
    try:
        async with engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                await conn.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                if schema:
                    await conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                await conn.commit()
            try:
                await conn.run_sync(_upgrade, revision, extra_version_locations)
                await conn.commit()
                if not postgres:
                    problems = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if problems:
                        raise MigrationError(f"foreign key check failed after upgrade: {problems}")
                return await conn.run_sync(current_revision)
            finally:
                if postgres:
                    await conn.rollback()
                    await conn.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                    )
                    await conn.commit()
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, revision: str, extra: Sequence[str]) -> None:
    command.upgrade(alembic_config(connection, extra), revision)


async def schema_revisions(url: str, *, schema: str | None = None) -> tuple[str | None, str | None]:
    """The revision the database is at (None: never migrated) and the newest one known."""
    engine = make_engine(url, schema=schema)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(current_revision), head_revision()
    finally:
        await engine.dispose()


async def new_revision(
    url: str,
    message: str,
    *,
    schema: str | None = None,
    autogenerate: bool = True,
    version_path: Path | None = None,
) -> Path:
    """Write the next migration, numbered after the newest (`0021_<slug>`), comparing the
    models with the database at `url` (which must be at the newest revision) when
    `autogenerate`. Returns the new file. `version_path` (tests) writes it elsewhere."""
    head = head_revision()
    number = int(head.split("_", 1)[0]) + 1 if head else 1
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"
    extra = [str(version_path)] if version_path else []
    engine = make_engine(url, schema=schema)
    try:
        async with engine.connect() as conn:

            def write(connection: Connection) -> Path:
                config = alembic_config(connection, extra)
                script = command.revision(
                    config,
                    message=message,
                    autogenerate=autogenerate,
                    rev_id=f"{number:04d}_{slug}",
                    version_path=str(version_path) if version_path else None,
                )
                assert script is not None and not isinstance(script, list)
                return Path(script.path)

            return await conn.run_sync(write)
    finally:
        await engine.dispose()
