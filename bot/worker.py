"""Running the outbox dispatcher: beside the bot in `gwbot run`, alone in `gwbot worker`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.activity_digest_messages import register_digest_hook
from bot.broadcast_messages import DeliveryReports
from bot.config import Settings
from bot.dispatcher import Clock, Dispatcher, Pacing, RoundHook
from bot.i18n import Translator
from bot.jobs import ConcernWork, PulseWork, schedule_tick
from bot.pulse_texts import register_pulse_hook
from bot.reminder_messages import register_hooks
from bot.reporting_reminder_messages import ReportingTexts
from bot.runtime import utc_now
from bot.services.reminder_withdrawal import drop_settled_reminders
from bot.signal_texts import register_signals_hook
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


async def dispatch_until(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    stop: asyncio.Event,
    after_round: Sequence[RoundHook] = (),
    wake: asyncio.Event | None = None,
) -> None:
    key = settings.privacy.privacy_key()
    async with dispatcher_bot(settings) as bot:
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
        await dispatcher.run_forever(stop, wake=wake)


async def run_worker(settings: Settings) -> None:
    """`gwbot worker`: the outbox dispatcher and the schedule engine, without updates."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    engine = settings.database.engine()
    translator = Translator(settings.bot.default_language)
    register_hooks(translator)
    register_pulse_hook(translator, settings.privacy)
    register_signals_hook(translator, settings.signals)
    register_digest_hook(translator)
    sessions = make_sessionmaker(engine)
    try:
        await asyncio.gather(
            dispatch_until(settings, sessions, utc_now, stop, round_hooks(translator)),
            schedule_until(
                sessions,
                utc_now,
                stop,
                ReportingTexts(translator),
                settings.scheduler.interval_seconds,
                ConcernWork.of(translator, settings.privacy),
                PulseWork.of(translator),
            ),
        )
    finally:
        await engine.dispose()


async def schedule_until(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    stop: asyncio.Event,
    texts: ReportingTexts,
    every: float,
    concerns: ConcernWork | None = None,
    pulses: PulseWork | None = None,
) -> None:
    """The schedule engine without PTB's JobQueue (`gwbot worker`): the same pass as `run`'s
    job; both may run at once, the database decides who fires what."""
    while not stop.is_set():
        try:
            await schedule_tick(sessions, clock, texts, concerns, pulses)
        except Exception:  # a database restart must not end the loop
            log.exception("schedule pass failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
