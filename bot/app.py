"""build_application(settings): the one Application for production and tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.i18n import Translator
from bot.presentation.menus import publish_menus
from bot.registry import register_handlers
from bot.runtime import DEFAULT_TIMEZONE, RUNTIME_KEY, Runtime, utc_now
from bot.scheduling.jobs import register_jobs
from bot.services.concern.buffer import ConcernBuffer
from bot.services.privacy_crypto import DailyKey
from bot.telegram.context import BotApplication, BotContext
from bot.telegram.errors import on_error
from bot.telegram.persistence import Clock, DatabasePersistence
from bot.telegram.rate_limit import RetryingRateLimiter
from bot.telegram.update_processor import PerUserUpdateProcessor
from handlers.concern.flow import MESSAGES_PER_DAY, ConcernDrafts, DailyCap
from handlers.pulse.flow import PulseBuffer, PulseDrafts
from handlers.pulse.texts import dropped_notices
from storage.engine import make_sessionmaker


class MissingTokenError(Exception):
    """No bot token configured: the CLI explains how to get one."""


def build_application(settings: Settings, *, clock: Clock = utc_now) -> BotApplication:
    """The Application for `settings`; `clock` (UTC) is replaced by tests that move time."""
    token = settings.bot.token_value
    if token is None:
        raise MissingTokenError
    engine = settings.database.engine()
    sessions = make_sessionmaker(engine)
    timeout = timedelta(minutes=settings.bot.conversation_timeout_minutes)
    translator = Translator(settings.bot.default_language)
    privacy_key = settings.privacy.privacy_key()
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        reads=make_sessionmaker(engine, read_only=True),
        translator=translator,
        persistence=DatabasePersistence(sessions, clock),
        concern_drafts=ConcernDrafts(clock, timeout),
        concern_cap=DailyCap(
            DailyKey(clock, DEFAULT_TIMEZONE),
            {"concern": settings.privacy.concern_daily_limit, "message": MESSAGES_PER_DAY},
        ),
        concern_buffer=ConcernBuffer(sessions),
        pulse_drafts=PulseDrafts(clock, timeout),
        pulse_buffer=PulseBuffer(sessions, privacy_key, dropped_notices(translator), clock),
        privacy_key=privacy_key,
        clock=clock,
    )
    timeout_seconds = settings.bot.request_timeout
    application: BotApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot.api_base_url)
        .base_file_url(settings.bot.api_file_url or "")
        .request(
            HTTPXRequest(
                connection_pool_size=settings.bot.connection_pool_size,
                read_timeout=timeout_seconds,
                write_timeout=timeout_seconds,
                connect_timeout=timeout_seconds,
                pool_timeout=timeout_seconds,
            )
        )
        .get_updates_request(
            HTTPXRequest(read_timeout=settings.bot.polling_timeout + timeout_seconds)
        )
        .rate_limiter(RetryingRateLimiter())
        .persistence(runtime.persistence)
        .concurrent_updates(
            PerUserUpdateProcessor(settings.bot.max_concurrent_updates, quiet=_quiet(runtime))
        )
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        .post_init(_on_start)
        .post_shutdown(_on_shutdown)
        .build()
    )
    application.bot_data[RUNTIME_KEY] = runtime
    register_handlers(application, runtime)
    register_jobs(application, timedelta(seconds=settings.scheduler.interval_seconds))
    application.add_error_handler(on_error)
    return application


def _quiet(runtime: Runtime) -> Callable[[object], bool]:
    """Updates of the anonymous flows (concerns, pulse answers) leave no trace. Both are
    asked, so each can end its draft when another command comes."""

    def quiet(update: object) -> bool:
        concern = runtime.concern_drafts.claims(update)
        answer = runtime.pulse_drafts.claims(update)
        return concern or answer

    return quiet


def runtime_of(application: BotApplication) -> Runtime:
    runtime = application.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    return runtime


async def _on_start(application: BotApplication) -> None:
    await publish_menus(application.bot, runtime_of(application).translator)


async def _on_shutdown(application: BotApplication) -> None:
    runtime = runtime_of(application)
    # Anonymous concerns waiting for their batch are written (bot.services.concern.buffer).
    await runtime.concern_buffer.write_all()
    # Answers still waiting for their batch are never written in a smaller one: they are
    # dropped, and their people asked to answer again (handlers.pulse.flow).
    await runtime.pulse_buffer.drop_all()
    await runtime.engine.dispose()
