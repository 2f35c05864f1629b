"""`gwbot db ...` beyond upgrading: `grant-reader NAME`, a read-only database role for the
backbone (DESIGN section 6); `current`, where the schema stands; `revision`, for developers."""

from __future__ import annotations

import os
import sys

from bot.config import Settings
from bot.telegram.runner import prepare_database
from storage.engine import make_engine
from storage.migrate import new_revision, schema_revisions
from storage.reader_role import grant_reader

NO_ROLES_ON_SQLITE = """\
gwbot: SQLite has no database roles: whoever can read the file reads every table, also with
`sqlite3 -readonly`, which only prevents writing. For a reader limited to the views, use
PostgreSQL ([database] url). With SQLite, give the backbone the exports (`gwbot export`)
rather than the file or a copy of it."""


async def grant_reader_command(settings: Settings, role: str, password_env: str | None) -> int:
    if not settings.database.is_postgresql:
        print(NO_ROLES_ON_SQLITE, file=sys.stderr)
        return 1
    password = None
    if password_env is not None:
        password = os.environ.get(password_env)
        if not password:
            print(f"gwbot: the environment variable {password_env} is not set", file=sys.stderr)
            return 2
    await prepare_database(settings)
    engine = make_engine(settings.database.url, schema=settings.database.schema_name)
    try:
        granted = await grant_reader(engine, role, password)
    finally:
        await engine.dispose()
    state = "created" if granted.created else "already there"
    print(f"Role {granted.role} ({state}) may read these views of schema {granted.schema}:")
    print("  " + ", ".join(granted.views))
    print("and nothing else. Its sessions are read-only; run this again after an upgrade")
    print("that adds views.")
    if password is None and granted.created:
        print(f"It has no password yet: set one with psql's \\password {granted.role}.")
    return 0


async def current_command(settings: Settings) -> int:
    database = settings.database
    current, head = await schema_revisions(database.url, schema=database.schema_name)
    print(f"database: {current or 'empty (never migrated)'}")
    print(f"newest:   {head}")
    if current == head:
        print("The database is up to date.")
        return 0
    print("The database is behind: `gwbot db upgrade` (or `gwbot run`) brings it up to date.")
    return 1


async def revision_command(settings: Settings, message: str, *, autogenerate: bool) -> int:
    database = settings.database
    path = await new_revision(
        database.url, message, schema=database.schema_name, autogenerate=autogenerate
    )
    print(f"Written: {path}")
    print("Review it (renames come out as drop and add; views are not compared), then run")
    print("the migration tests: make test.")
    return 0
