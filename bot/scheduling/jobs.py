"""Timed work: the steps of the tick (every `[scheduler] interval_seconds`) and of the hourly
look. They only look at the database, which is the source of truth (DESIGN section 1), so a
restart loses nothing: the next run catches up.

Each step runs on its own, in its own transaction, in the order of the tables below: one that
fails is logged with its traceback, and the others go on. How each run went is kept per process
kind (`gwbot status`), and a step failing again and again is reported to the admins
(bot.services.step_health). `gwbot run` runs the steps on PTB's JobQueue, `gwbot worker` in its
own loop (bot.outbox.worker); both may run at once, the database decides who sends what.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config.sections import PrivacySettings
from bot.i18n import LANGUAGES, Translator
from bot.runtime import RUNTIME_KEY, Runtime
from bot.scheduling.hooks import schedule_hooks
from bot.services import step_health
from bot.services.concern.buffer import ConcernBuffer
from bot.services.concern.jobs import (
    ConcernTexts,
    JobSettings,
    delete_expired,
    escalate,
    notify_batches,
)
from bot.services.obligations import ensure_obligations
from bot.services.outbox import Messages, OutgoingMessage, local_zone
from bot.services.pulse.pulse import Closed, close_due
from bot.services.report.reminders import send_escalations, send_reminders
from bot.services.schedules import Hooks, run_due
from bot.services.step_health import AlertMessages, StepOutcome, error_kind
from bot.telegram.context import BotApplication, BotContext
from handlers.concern.texts import concern_texts
from handlers.pulse.flow import PulseBuffer
from handlers.pulse.texts import closing_notices
from handlers.report.reminder_texts import ReportingTexts

log = logging.getLogger(__name__)

OBLIGATIONS_EVERY = timedelta(hours=1)
STEPS_KEY = "timed_steps"
# Which process kind ran a step, for `gwbot status`.
RUN, WORKER = "run", "worker"


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


def step_alert(translator: Translator) -> AlertMessages:
    def render(step: str, failures: int) -> Messages:
        return {
            language: OutgoingMessage(
                text=translator.t(language, "health.step_failing", step=step, failures=failures)
            )
            for language in LANGUAGES
        }

    return render


@dataclass(frozen=True)
class TimedWork:
    """What the steps need. The buffers of anonymous concerns and pulse answers live in the
    memory of `gwbot run` only: a worker has none, and skips the steps that write them."""

    process: str
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    reporting: ReportingTexts
    concerns: ConcernWork
    pulses: PulseWork
    alert: AlertMessages
    hooks: Hooks
    concern_buffer: ConcernBuffer | None = None
    pulse_buffer: PulseBuffer | None = None

    @property
    def buffered(self) -> bool:
        return self.concern_buffer is not None and self.pulse_buffer is not None

    @classmethod
    def of(
        cls,
        process: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        translator: Translator,
        privacy: PrivacySettings,
        hooks: Hooks,
        concern_buffer: ConcernBuffer | None = None,
        pulse_buffer: PulseBuffer | None = None,
    ) -> TimedWork:
        return cls(
            process,
            sessions,
            clock,
            ReportingTexts(translator),
            ConcernWork.of(translator, privacy),
            PulseWork.of(translator),
            step_alert(translator),
            hooks,
            concern_buffer,
            pulse_buffer,
        )


# A step does its work and returns how many messages it queued.
StepRun = Callable[[TimedWork], Awaitable[int]]
InTransaction = Callable[[AsyncSession, TimedWork, datetime], Awaitable[int]]


@dataclass(frozen=True)
class Step:
    name: str
    run: StepRun
    # Writes what waits in `gwbot run`'s memory: skipped where there is none.
    buffered: bool = False


def in_transaction(body: InTransaction) -> StepRun:
    async def run(work: TimedWork) -> int:
        async with work.sessions.begin() as session:
            return await body(session, work, work.clock())

    return run


async def _write_concerns(work: TimedWork) -> int:
    # Anonymous concerns whose batch ended are written before their batch is announced.
    assert work.concern_buffer is not None
    await work.concern_buffer.write_due(work.clock())
    return 0


async def _settle_pulse_answers(work: TimedWork) -> int:
    # Answers still waiting for their batch when their survey ends are dropped before it is
    # closed (handlers.pulse.flow): a closing never writes a batch smaller than k.
    assert work.pulse_buffer is not None
    await work.pulse_buffer.settle()
    return 0


def _fire(*kinds: str) -> StepRun:
    async def fire(session: AsyncSession, work: TimedWork, now: datetime) -> int:
        return await run_due(session, now, work.hooks, kinds)

    return in_transaction(fire)


async def _obligations(session: AsyncSession, work: TimedWork, now: datetime) -> int:
    created = await ensure_obligations(session, now)
    if created:
        log.info("%d new reporting obligations", created)
    return 0


async def _reminders(session: AsyncSession, work: TimedWork, now: datetime) -> int:
    return await send_reminders(session, now, work.reporting.items)


async def _escalations(session: AsyncSession, work: TimedWork, now: datetime) -> int:
    return await send_escalations(session, now, work.reporting.escalation)


async def _concern_notices(session: AsyncSession, work: TimedWork, now: datetime) -> int:
    return await notify_batches(session, now, work.concerns.texts)


async def _concern_escalations(session: AsyncSession, work: TimedWork, now: datetime) -> int:
    hours = work.concerns.settings.escalate_hours
    return await escalate(session, now, work.concerns.texts, hours)


async def _concern_deletion(session: AsyncSession, work: TimedWork, now: datetime) -> int:
    today = now.astimezone(await local_zone(session)).date()
    await delete_expired(session, today, work.concerns.settings.retention_days)
    return 0


async def _pulse_closing(session: AsyncSession, work: TimedWork, now: datetime) -> int:
    closed = await close_due(session, now, work.pulses.results_ready, work.pulses.too_few)
    return len(closed)


# The tick, in this order: what a later step announces or closes is written first.
TICK = (
    Step("concern_batches", _write_concerns, buffered=True),
    Step("pulse_settle", _settle_pulse_answers, buffered=True),
    Step("schedules", _fire("meeting", "custom")),
    Step("pulse_start", _fire("pulse")),
    Step("signals", _fire("signals")),
    Step("digests", _fire("digest")),
    # A period that started since the last look owes reports before anyone is reminded.
    Step("obligations", in_transaction(_obligations)),
    Step("reporting_reminders", in_transaction(_reminders)),
    Step("reporting_escalations", in_transaction(_escalations)),
    Step("concern_notices", in_transaction(_concern_notices)),
    Step("concern_escalations", in_transaction(_concern_escalations)),
    Step("concern_deletion", in_transaction(_concern_deletion)),
    Step("pulse_closing", in_transaction(_pulse_closing)),
)
# Periods start at local midnight; an hourly look writes their obligations in time.
HOURLY = (Step("obligations_hourly", in_transaction(_obligations)),)


class TimedSteps:
    """Runs steps for one process and keeps, in memory, which failed last time and how: a
    fault that lasts (the database away) logs its traceback once, not every tick."""

    def __init__(self, work: TimedWork) -> None:
        self.work = work
        self._failing: dict[str, str] = {}

    async def tick(self) -> int:
        return await self.run(TICK)

    async def hourly(self) -> int:
        return await self.run(HOURLY)

    async def run(self, steps: Sequence[Step]) -> int:
        """Run each step on its own; returns how many messages were queued."""
        queued = 0
        outcomes: list[StepOutcome] = []
        for step in steps:
            if step.buffered and not self.work.buffered:
                continue
            try:
                queued += await step.run(self.work)
            except Exception as error:
                outcomes.append(StepOutcome(step.name, self._failed(step.name, error)))
            else:
                self._failing.pop(step.name, None)
                outcomes.append(StepOutcome(step.name))
        return queued + await self._record(outcomes)

    def _failed(self, step: str, error: Exception) -> str:
        kind = error_kind(error)
        if self._failing.get(step) == kind:
            log.error(
                "timed step %s failed again (%s); the other steps go on, the traceback is"
                " logged above",
                step,
                kind,
            )
        else:
            log.error("timed step %s failed; the other steps go on", step, exc_info=error)
        self._failing[step] = kind
        return kind

    async def _record(self, outcomes: Sequence[StepOutcome]) -> int:
        """Keep how the steps went and tell admins of those failing again and again; returns
        how many alerts were queued. While the database is away this fails too: logged."""
        now, process = self.work.clock(), self.work.process
        try:
            async with self.work.sessions.begin() as session:
                failing = await step_health.record(session, process, outcomes, now)
        except Exception:
            log.warning("how the timed steps went could not be recorded", exc_info=True)
            return 0
        queued = 0
        for step, failures in failing.items():
            try:
                async with self.work.sessions.begin() as session:
                    told = await step_health.alert_admins(
                        session, process, step, failures, now, self.work.alert
                    )
            except Exception:
                log.exception("the admins could not be told that step %s keeps failing", step)
                continue
            if told:
                log.warning("%d admins told that timed step %s keeps failing", told, step)
            queued += told
        return queued


def _steps(context: BotContext) -> TimedSteps:
    steps = context.bot_data[STEPS_KEY]
    assert isinstance(steps, TimedSteps)
    return steps


async def run_schedules(context: BotContext) -> None:
    runtime = context.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    if await _steps(context).tick():
        runtime.outbox_wake.set()


async def write_obligations(context: BotContext) -> None:
    await _steps(context).hourly()


def register_jobs(application: BotApplication, every: timedelta) -> None:
    runtime = application.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    application.bot_data[STEPS_KEY] = TimedSteps(
        TimedWork.of(
            RUN,
            runtime.sessions,
            runtime.clock,
            runtime.translator,
            runtime.settings.privacy,
            schedule_hooks(runtime.translator, runtime.settings.privacy, runtime.settings.signals),
            runtime.concern_buffer,
            runtime.pulse_buffer,
        )
    )
    assert application.job_queue is not None
    application.job_queue.run_repeating(run_schedules, interval=every, first=every)
    # The first pass waits as long as the schedule's: /melden and /ausstehend write what is
    # owed on demand anyway, and a fixed few seconds made timed work run in the middle of
    # tests that move the clock (they set the interval to an hour and trigger jobs by hand).
    application.job_queue.run_repeating(write_obligations, interval=OBLIGATIONS_EVERY, first=every)
