"""Short repeating jobs on PTB's JobQueue. They only look at the database, which is the source
of truth (DESIGN section 1), so a restart loses nothing: the next run catches up."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import BotApplication, BotContext
from bot.runtime import RUNTIME_KEY, Runtime
from bot.services.obligations import ensure_obligations
from bot.services.schedules import run_due

log = logging.getLogger(__name__)

OBLIGATIONS_EVERY = timedelta(hours=1)
# Reminders are minute-precise at most; a look every 30 seconds keeps them on time.
SCHEDULES_EVERY = timedelta(seconds=30)


async def write_obligations(context: BotContext) -> None:
    """Periods start at local midnight; an hourly look writes their obligations in time."""
    runtime = context.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    async with runtime.sessions.begin() as session:
        created = await ensure_obligations(session, runtime.clock())
    if created:
        log.info("%d new reporting obligations", created)


async def run_schedules(context: BotContext) -> None:
    runtime = context.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    async with runtime.sessions.begin() as session:
        fired = await run_due(session, runtime.clock())
    if fired:
        runtime.outbox_wake.set()


def register_jobs(application: BotApplication) -> None:
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        run_schedules, interval=SCHEDULES_EVERY, first=timedelta(seconds=2)
    )
    application.job_queue.run_repeating(
        write_obligations, interval=OBLIGATIONS_EVERY, first=timedelta(seconds=5)
    )
