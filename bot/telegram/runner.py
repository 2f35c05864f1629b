"""Running the Application until asked to stop: the same path for `gwbot run` and the tests.

PTB's run_polling owns the event loop and its signal handling; this does its steps by hand
(including post_init/post_shutdown, which only run_polling calls) so tests can start and stop
the production application inside their own loop.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update

from bot.config import Settings
from bot.outbox.worker import dispatch_until, round_hooks
from bot.scheduling.jobs import RUN
from bot.telegram.context import BotApplication
from bot.telegram.webhook import WebhookReceiver
from storage.migrate import upgrade_database

log = logging.getLogger(__name__)


async def prepare_database(settings: Settings) -> None:
    revision = await upgrade_database(settings.database.url, schema=settings.database.schema_name)
    log.info("database schema at revision %s", revision)


async def serve(application: BotApplication, stop: asyncio.Event) -> None:
    """Poll for updates (or receive them by webhook) and handle them until `stop` is set, or
    until the outbox dispatcher stops for good (then raising DispatcherStopped); always shut
    down cleanly."""
    settings = application.bot_data["runtime"].settings
    webhook = WebhookReceiver(application, settings.bot) if settings.bot.webhook_url else None
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        assert application.updater
        if webhook:
            await webhook.start()
        else:
            await application.updater.start_polling(
                poll_interval=0,
                timeout=settings.bot.polling_timeout,
                allowed_updates=Update.ALL_TYPES,
            )
        await application.start()
        log.info("bot @%s is running", application.bot.username)
        runtime = application.bot_data["runtime"]
        outbox = asyncio.create_task(
            dispatch_until(
                settings,
                runtime.sessions,
                runtime.clock,
                stop,
                round_hooks(runtime.translator),
                runtime.outbox_wake,
                process=RUN,
                idle=runtime.outbox_idle,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([outbox, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        # A dispatcher that stopped for good ends the process (DispatcherStopped) instead of
        # leaving a bot that answers but sends nothing else.
        await outbox
    finally:
        if webhook:
            await webhook.stop()
        if application.updater and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def serve_until_signalled(application: BotApplication) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(application, stop)
