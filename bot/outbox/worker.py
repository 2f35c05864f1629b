"""Running the outbox dispatcher, supervised: beside the bot in `gwbot run`, alone (with the
timed steps) in `gwbot worker`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import InvalidToken
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.i18n import Translator
from bot.outbox.dispatcher import Clock, Dispatcher, IdleWatch, Pacing, RoundHook, Sleep
from bot.runtime import utc_now
from bot.scheduling.hooks import schedule_hooks
from bot.scheduling.jobs import WORKER, TimedSteps, TimedWork
from bot.services import step_health
from bot.services.reminders.withdrawal import drop_settled_reminders
from bot.services.step_health import DISPATCHER, StepOutcome, error_kind
from handlers.broadcast.texts import DeliveryReports
from storage.engine import make_sessionmaker

log = logging.getLogger(__name__)


def pacing(settings: Settings) -> Pacing:
    outbox = settings.outbox
    return Pacing(
        rate=outbox.rate,
        per_chat_seconds=outbox.per_chat_seconds,
        in_flight=outbox.in_flight,
        max_attempts=outbox.max_attempts,
        lease=timedelta(seconds=outbox.lease_seconds),
        turn=timedelta(seconds=outbox.turn_seconds),
    )


def round_hooks(translator: Translator) -> list[RoundHook]:
    """What runs after each dispatcher round, in `run` and in `worker` alike."""
    return [DeliveryReports(translator)]


def dispatcher_bot(settings: Settings) -> Bot:
    """A Bot of its own, without PTB's rate limiter: the dispatcher paces itself."""
    token = settings.bot.token_value
    assert token is not None
    timeout = settings.bot.request_timeout
    request = HTTPXRequest(
        connection_pool_size=settings.outbox.in_flight + 2,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
    )
    return Bot(
        token,
        base_url=settings.bot.api_base_url,
        base_file_url=settings.bot.api_file_url or "",
        request=request,
    )


class DispatcherStopped(Exception):
    """The outbox dispatcher stopped for good: the process ends rather than answer users while
    sending nothing else."""


@dataclass(frozen=True)
class Supervision:
    """How a dispatcher that failed (to start: its getMe) is started again."""

    first_backoff: float = 1.0
    max_backoff: float = 60.0
    # Failures in a row (no round succeeded in between) before the process gives up: with the
    # backoff doubling up to a minute, about half an hour of Telegram (or a proxy) failing.
    give_up_after: int = 35

    def backoff(self, failures: int) -> float:
        return min(self.max_backoff, self.first_backoff * 2.0 ** (failures - 1))


class Heartbeat:
    """Keeps the dispatcher's last success and last error for `gwbot status` without a write
    every round: a success at most once per EVERY (and at once after an error), an error at
    once (and at most once per EVERY while it lasts)."""

    EVERY = timedelta(minutes=1)

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], process: str, clock: Clock
    ) -> None:
        self.sessions, self.process, self.clock = sessions, process, clock
        self._last: tuple[bool, datetime] | None = None  # (succeeded, when) last written
        # Rounds that succeeded, written or not: a dispatcher that worked before it failed
        # starts its backoff afresh.
        self.successes = 0

    async def __call__(self, error: BaseException | None, *, always: bool = False) -> None:
        """Note a round's outcome; `always` for failed starts, which come seldom enough."""
        now, ok = self.clock(), error is None
        if ok:
            self.successes += 1
        if not always and self._written_lately(ok, now):
            return
        outcome = StepOutcome(DISPATCHER, None if error is None else error_kind(error))
        try:
            async with self.sessions.begin() as session:
                await step_health.record(session, self.process, [outcome], now)
        except Exception:  # the database is away: the dispatcher says so in the log
            log.debug("the dispatcher's heartbeat could not be written", exc_info=True)
            return
        self._last = (ok, now)

    def _written_lately(self, ok: bool, now: datetime) -> bool:
        """The same outcome was written less than EVERY ago."""
        if self._last is None or self._last[0] != ok:
            return False
        return timedelta(0) <= now - self._last[1] < self.EVERY


async def dispatch_until(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    stop: asyncio.Event,
    after_round: Sequence[RoundHook] = (),
    wake: asyncio.Event | None = None,
    *,
    process: str,
    sleep: Sleep = asyncio.sleep,
    supervision: Supervision = Supervision(),
    idle: IdleWatch | None = None,
) -> None:
    """Run the outbox dispatcher until `stop`, starting it again with backoff when it fails
    (Telegram answering its getMe with a 502 at start-up, say). When it cannot go on it raises,
    and the process ends: InvalidToken when the token is refused, DispatcherStopped when it
    failed `give_up_after` times in a row without a round that succeeded in between."""
    heartbeat = Heartbeat(sessions, process, clock)
    failures = 0
    while not stop.is_set():
        successes = heartbeat.successes
        try:
            async with dispatcher_bot(settings) as bot:
                await _dispatch(
                    settings, sessions, clock, stop, bot, after_round, wake, heartbeat, idle
                )
            return
        except InvalidToken as error:
            # Trying again would not help: the process ends, and `gwbot` says what to check.
            await heartbeat(error, always=True)
            log.error(
                "the outbox dispatcher stopped for good: Telegram refused the bot token;"
                " stopping the process"
            )
            raise
        except Exception as error:
            await heartbeat(error, always=True)
            failures = 1 if heartbeat.successes > successes else failures + 1
            if failures >= supervision.give_up_after:
                log.error(
                    "the outbox dispatcher stopped for good after %d failed starts in a row;"
                    " stopping the process",
                    failures,
                    exc_info=error,
                )
                raise DispatcherStopped(
                    f"it failed {failures} times in a row ({error_kind(error)})"
                ) from error
            delay = supervision.backoff(failures)
            log.error(
                "the outbox dispatcher stopped (%s); starting it again in %.0f s",
                error_kind(error),
                delay,
                exc_info=error,
            )
            await _pause(sleep, delay, stop)


async def _dispatch(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    stop: asyncio.Event,
    bot: Bot,
    after_round: Sequence[RoundHook],
    wake: asyncio.Event | None,
    heartbeat: Heartbeat,
    idle: IdleWatch | None = None,
) -> None:
    key = settings.privacy.privacy_key()
    dispatcher = Dispatcher(
        sessions,
        bot,
        clock,
        pacing=pacing(settings),
        after_round=after_round,
        before_claim=[drop_settled_reminders],
        # Telegram's limits are in real seconds, whatever clock deliveries are due by.
        pace_clock=utc_now,
        open_contact=None if key is None else (lambda token: key.open_contact(token)[0]),
    )
    log.info("outbox dispatcher %s is running", dispatcher.owner)
    await dispatcher.run_forever(stop, wake=wake, watch=heartbeat, idle=idle)


async def _pause(sleep: Sleep, seconds: float, stop: asyncio.Event) -> None:
    """`sleep(seconds)`, cut short by `stop`."""
    waiting = [asyncio.ensure_future(sleep(seconds)), asyncio.ensure_future(stop.wait())]
    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    for task in waiting:
        task.cancel()


async def run_worker(settings: Settings) -> None:
    """`gwbot worker`: the outbox dispatcher and the timed steps, without updates. Ends when
    signalled, or (raising DispatcherStopped) when the dispatcher stops for good."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    engine = settings.database.engine()
    translator = Translator(settings.bot.default_language)
    sessions = make_sessionmaker(engine)
    hooks = schedule_hooks(translator, settings.privacy, settings.signals)
    work = TimedWork.of(WORKER, sessions, utc_now, translator, settings.privacy, hooks)
    tasks = [
        asyncio.create_task(
            dispatch_until(
                settings, sessions, utc_now, stop, round_hooks(translator), process=WORKER
            )
        ),
        asyncio.create_task(
            schedule_until(TimedSteps(work), stop, settings.scheduler.interval_seconds)
        ),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()  # one ended for good: the other follows
        await asyncio.gather(*tasks)
    finally:
        await engine.dispose()


async def schedule_until(steps: TimedSteps, stop: asyncio.Event, every: float) -> None:
    """The timed steps without PTB's JobQueue (`gwbot worker`): the same steps as `run`'s
    job; both may run at once, the database decides who fires what."""
    while not stop.is_set():
        try:
            await steps.tick()
        except Exception:  # each step is guarded; this loop must not end either way
            log.exception("timed steps failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
