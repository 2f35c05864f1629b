"""Short repeating jobs on PTB's JobQueue. They only look at the database, which is the source
of truth (DESIGN section 1), so a restart loses nothing: the next run catches up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.concern_texts import concern_texts
from bot.config_sections import PrivacySettings
from bot.context import BotApplication, BotContext
from bot.i18n import Translator
from bot.pulse_texts import closing_notices
from bot.reporting_reminder_messages import ReportingTexts
from bot.runtime import RUNTIME_KEY, Runtime
from bot.services.concern_jobs import ConcernTexts, JobSettings, run_concern_jobs
from bot.services.obligations import ensure_obligations
from bot.services.outbox import Messages
from bot.services.pulse import Closed, close_due
from bot.services.reporting_reminders import run_reporting_reminders
from bot.services.schedules import run_due

log = logging.getLogger(__name__)

OBLIGATIONS_EVERY = timedelta(hours=1)


async def write_obligations(context: BotContext) -> None:
    """Periods start at local midnight; an hourly look writes their obligations in time."""
    runtime = context.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    async with runtime.sessions.begin() as session:
        created = await ensure_obligations(session, runtime.clock())
    if created:
        log.info("%d new reporting obligations", created)


@dataclass(frozen=True)
class ConcernWork:
    texts: ConcernTexts
    settings: JobSettings

    @classmethod
    def of(cls, translator: Translator, privacy: PrivacySettings) -> ConcernWork:
        return cls(
            concern_texts(translator),
            JobSettings(privacy.concern_escalate_hours, privacy.retention_days),
        )


@dataclass(frozen=True)
class PulseWork:
    results_ready: Callable[[Closed], Messages]
    too_few: Callable[[Closed], Messages]

    @classmethod
    def of(cls, translator: Translator) -> PulseWork:
        return cls(*closing_notices(translator))


async def schedule_tick(
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    texts: ReportingTexts,
    concerns: ConcernWork | None = None,
    pulses: PulseWork | None = None,
) -> int:
    """One pass of everything timed: recurring schedules, then reporting reminders and
    escalations, then the concerns' batches, escalations and deletions; returns how many
    schedules fired and messages were queued."""
    async with sessions.begin() as session:
        fired = await run_due(session, clock())
    async with sessions.begin() as session:
        # A period that started since the last look owes reports before anyone is reminded.
        await ensure_obligations(session, clock())
        queued = await run_reporting_reminders(session, clock(), texts.items, texts.escalation)
    if concerns is not None:
        async with sessions.begin() as session:
            queued += await run_concern_jobs(session, clock(), concerns.texts, concerns.settings)
    if pulses is not None:
        async with sessions.begin() as session:
            closed = await close_due(session, clock(), pulses.results_ready, pulses.too_few)
        queued += len(closed)
    return fired + queued


async def run_schedules(context: BotContext) -> None:
    runtime = context.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    # Anonymous concerns whose batch ended are written before their batch is announced.
    await runtime.concern_buffer.write_due(runtime.clock())
    # Answers still waiting for their batch when their survey ends are dropped before it is
    # closed (bot.pulse_flow): a closing never writes a batch smaller than k.
    await runtime.pulse_buffer.settle()
    work = ConcernWork.of(runtime.translator, runtime.settings.privacy)
    if await schedule_tick(
        runtime.sessions,
        runtime.clock,
        ReportingTexts(runtime.translator),
        work,
        PulseWork.of(runtime.translator),
    ):
        runtime.outbox_wake.set()


def register_jobs(application: BotApplication, every: timedelta) -> None:
    assert application.job_queue is not None
    application.job_queue.run_repeating(run_schedules, interval=every, first=every)
    # The first pass waits as long as the schedule's: /melden and /ausstehend write what is
    # owed on demand anyway, and a fixed few seconds made timed work run in the middle of
    # tests that move the clock (they set the interval to an hour and trigger jobs by hand).
    application.job_queue.run_repeating(write_obligations, interval=OBLIGATIONS_EVERY, first=every)
