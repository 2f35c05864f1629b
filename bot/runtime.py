"""What every handler and job needs, made once at start-up and kept in bot_data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.persistence import DatabasePersistence

RUNTIME_KEY = "runtime"
# Until the initiative file names its own time zone.
DEFAULT_TIMEZONE = ZoneInfo("Europe/Berlin")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    # Units of work that write (BEGIN IMMEDIATE on SQLite) ...
    sessions: async_sessionmaker[AsyncSession]
    # ... and those that only read (plain BEGIN: they never wait for a writer).
    reads: async_sessionmaker[AsyncSession]
    translator: Translator
    persistence: DatabasePersistence
    # Injectable so tests can move time instead of waiting for it.
    clock: Callable[[], datetime] = utc_now

    def today(self) -> date:
        return self.clock().astimezone(DEFAULT_TIMEZONE).date()
