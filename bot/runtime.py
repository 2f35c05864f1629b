"""What every handler and job needs, made once at start-up and kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator

RUNTIME_KEY = "runtime"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    # Units of work that write (BEGIN IMMEDIATE on SQLite) ...
    sessions: async_sessionmaker[AsyncSession]
    # ... and those that only read (plain BEGIN: they never wait for a writer).
    reads: async_sessionmaker[AsyncSession]
    translator: Translator
