"""Counting what code asks of the database - statements run and rows they returned - for tests
that hold work to what it must not outgrow (a year of history, a second look on one day)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Work:
    """Statements run and rows fetched while counting."""

    statements: int = 0
    rows: int = 0

    def __str__(self) -> str:
        return f"{self.statements} statements, {self.rows} rows"


@contextmanager
def counting(engine: AsyncEngine, work: Work | None = None) -> Iterator[Work]:
    """Count into `work` (a new one if not given). SQLAlchemy's asyncio adapters (aiosqlite
    and asyncpg alike) fetch a statement's whole result into the cursor's `_rows` when it runs,
    so its length is what the statement returned; a private name, read in tests only."""
    work = work if work is not None else Work()

    def after(conn: Any, cursor: Any, statement: Any, *args: Any) -> None:
        work.statements += 1
        work.rows += len(getattr(cursor, "_rows", ()) or ())

    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield work
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", after)
