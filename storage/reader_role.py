"""A read-only PostgreSQL role for the backbone's BI tools: the views, nothing else.

Views run with their owner's rights, so SELECT on the views is all the role needs; it gets no
right on any table, and default privileges are left as they are (a table added later is not
readable either). `views_suspended` gives the grants again when a migration recreates views.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

VIEW_PREFIX = "v_"


@dataclass(frozen=True)
class ReaderGrant:
    role: str
    created: bool
    schema: str
    views: list[str]


async def grant_reader(engine: AsyncEngine, role: str, password: str | None) -> ReaderGrant:
    """Create `role` if it is missing (able to log in, read-only by default, the bot's schema
    on its search path) and let it read every view of the current schema; again and again
    without harm. `password` (if given) is set."""
    async with engine.begin() as connection:
        return await connection.run_sync(_grant, role, password)


def _grant(connection: Connection, role: str, password: str | None) -> ReaderGrant:
    quote = connection.dialect.identifier_preparer.quote
    schema, database = connection.execute(text("SELECT current_schema(), current_database()")).one()
    name = quote(role)
    exists = connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if exists is None:
        connection.exec_driver_sql(f"CREATE ROLE {name} LOGIN")
        # A default its sessions could change; what it may read is bounded by the grants.
        connection.exec_driver_sql(f"ALTER ROLE {name} SET default_transaction_read_only = on")
        connection.exec_driver_sql(
            f"ALTER ROLE {name} IN DATABASE {quote(database)} SET search_path = {quote(schema)}"
        )
    if password is not None:
        # Backslashes are plain characters only with standard strings; quotes are doubled.
        connection.exec_driver_sql("SET LOCAL standard_conforming_strings = on")
        literal = "'" + password.replace("'", "''") + "'"
        connection.exec_driver_sql(f"ALTER ROLE {name} PASSWORD {literal}")
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {name}")
    views = sorted(
        connection.execute(
            text(
                "SELECT c.relname FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'v' AND n.nspname = :schema AND c.relname LIKE :prefix"
            ),
            {"schema": schema, "prefix": f"{VIEW_PREFIX}%"},
        ).scalars()
    )
    for view in views:
        connection.exec_driver_sql(f"GRANT SELECT ON {quote(schema)}.{quote(view)} TO {name}")
    return ReaderGrant(role, exists is None, schema, views)
