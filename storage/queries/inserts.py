"""Inserting rows that may exist already: the unique key decides, nobody fails.

Both databases speak `INSERT ... ON CONFLICT DO NOTHING`, but SQLAlchemy builds it with each
dialect's own `insert`; `RETURNING` then names only the rows that were really written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def insert_new(session: AsyncSession, model: Any) -> Any:
    """`INSERT` into `model` that skips rows conflicting with a unique key."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()
