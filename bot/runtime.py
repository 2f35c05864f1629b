"""What every handler and job needs, made once at start-up and kept in bot_data."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.outbox.dispatcher import IdleWatch
from bot.services.concern.buffer import ConcernBuffer
from bot.services.initiative import initiative_language
from bot.services.joining.attempts import AttemptLimiter
from bot.services.privacy_crypto import PrivacyKey
from bot.telegram.persistence import DatabasePersistence
from handlers.concern.flow import ConcernDrafts, DailyCap
from handlers.pulse.flow import PulseBuffer, PulseDrafts

RUNTIME_KEY = "runtime"
# Until the initiative file names its own time zone.
DEFAULT_TIMEZONE = ZoneInfo("Europe/Berlin")


def utc_now() -> datetime:
    return datetime.now(UTC)


class InitiativeLanguage:
    """The initiative's default language, read at most once a minute: it is needed for every
    update from someone whose language is unknown, and changes only with `initiative apply`
    (which may run in another process)."""

    MAX_AGE = timedelta(minutes=1)

    def __init__(self) -> None:
        self._value: str | None = None
        self._read_at: datetime | None = None

    async def get(self, session: AsyncSession, now: datetime) -> str | None:
        if self._read_at is None or now - self._read_at > self.MAX_AGE:
            self._value = await initiative_language(session)
            self._read_at = now
        return self._value


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
    # The concern flow's in-memory drafts and daily cap (handlers.concern.flow).
    concern_drafts: ConcernDrafts
    concern_cap: DailyCap
    # Anonymous concerns and messages waiting for the end of their batch.
    concern_buffer: ConcernBuffer
    # Pulse answers in progress and finished ones waiting for their batch (handlers.pulse.flow).
    pulse_drafts: PulseDrafts
    pulse_buffer: PulseBuffer
    # None until `gwbot privacy init` made one: anonymous concerns are off then.
    privacy_key: PrivacyKey | None
    # Injectable so tests can move time instead of waiting for it.
    clock: Callable[[], datetime] = utc_now
    initiative_language: InitiativeLanguage = field(default_factory=InitiativeLanguage)
    join_attempts: AttemptLimiter = field(default_factory=AttemptLimiter)
    # Set after enqueueing so this process's dispatcher sends at once instead of at its next
    # look (a `gwbot worker` elsewhere still finds the rows within its poll interval).
    outbox_wake: asyncio.Event = field(default_factory=asyncio.Event)
    # Waits for a round of this process's dispatcher that finds nothing due (the tests'
    # barrier: after it, whatever was due has been sent).
    outbox_idle: IdleWatch = field(default_factory=IdleWatch)
    # Members whose last active day was written today (member id -> day): one write a day.
    active_today: dict[int, date] = field(default_factory=dict)

    def today(self) -> date:
        return self.clock().astimezone(DEFAULT_TIMEZONE).date()
