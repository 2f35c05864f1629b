"""SQL views as DDL in migrations.

Views are the backbone's query surface (DESIGN section 4). Each migration carries the view
text as it was at that revision, so old migrations keep building the schema they built.

SQLite's batch migrations rebuild a table (copy, drop, rename) and fail while a view refers to
it, so every table change runs inside `views_suspended`: it saves the definitions of all
views, drops them, runs the change and creates them again (or their replacements).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Connection, text

# One text for every dialect, or one per dialect name ("sqlite", "postgresql").
ViewSQL = str | Mapping[str, str]


def _select_for(connection: Connection, select: ViewSQL) -> str:
    if isinstance(select, str):
        return select
    return select[connection.dialect.name]


def create_view(connection: Connection, name: str, select: ViewSQL) -> None:
    # exec_driver_sql: view text may hold colons (time formats) that text() takes for binds.
    connection.exec_driver_sql(f"CREATE VIEW {name} AS {_select_for(connection, select)}")


def drop_view(connection: Connection, name: str) -> None:
    connection.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")


def existing_views(connection: Connection) -> list[tuple[str, str]]:
    """(name, CREATE VIEW statement) of every view in the current schema, oldest first."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid")
        )
        return [(name, sql) for name, sql in rows]
    rows = connection.execute(
        text(
            "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'v' AND n.nspname = current_schema() ORDER BY c.oid"
        )
    )
    return [(name, f"CREATE VIEW {name} AS {body}") for name, body in rows]


def view_grants(connection: Connection) -> list[tuple[str, str, str]]:
    """PostgreSQL: (view, privilege, grantee) granted on the current schema's views to others
    than their owner, such as the backbone's reader role (`gwbot db grant-reader`)."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(
        text(
            "SELECT c.relname, a.privilege_type,"
            " CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,"
            " aclexplode(c.relacl) a"
            " WHERE c.relkind = 'v' AND n.nspname = current_schema()"
            " AND a.grantee <> c.relowner"
        )
    )
    return [(view, privilege, grantee) for view, privilege, grantee in rows]


def _grant_again(connection: Connection, grants: list[tuple[str, str, str]]) -> None:
    quote = connection.dialect.identifier_preparer.quote
    for view, privilege, grantee in grants:
        to = "PUBLIC" if grantee == "PUBLIC" else quote(grantee)
        connection.exec_driver_sql(f"GRANT {privilege} ON {quote(view)} TO {to}")


@contextmanager
def views_suspended(
    connection: Connection, replace: Mapping[str, ViewSQL] | None = None
) -> Iterator[None]:
    """Drop all views for the block, then recreate them; `replace` gives new definitions.
    Grants on them are given again, so the backbone's reader keeps its access."""
    saved = existing_views(connection)
    grants = view_grants(connection)
    for name, _ in reversed(saved):
        drop_view(connection, name)
    yield
    replace = dict(replace or {})
    for name, statement in saved:
        if name in replace:
            create_view(connection, name, replace.pop(name))
        else:
            connection.exec_driver_sql(statement)
    for name, select in replace.items():
        create_view(connection, name, select)
    _grant_again(connection, grants)
