"""The settings (/einstellungen): a menu and one step per setting."""

from __future__ import annotations

from telegram.ext import ConversationHandler

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    button,
    command_handler,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.settings import settings


def settings_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    back = button(r"^set:menu$", settings.menu)
    return persistent_conversation(
        name=settings.NAME,
        command="settings",
        entry_points=[command_handler("settings", settings.start)],
        states={
            settings.State.MENU: [
                button(r"^set:lang$", settings.ask_language),
                button(r"^set:hour$", settings.ask_hour),
                button(r"^set:quiet$", settings.ask_quiet_from),
                button(r"^set:pause$", settings.ask_pause),
                button(r"^set:digest$", settings.switch_digest),
                button(r"^set:done$", settings.done),
            ],
            settings.State.LANGUAGE: [button(r"^set:lang:(\w+)$", settings.save_language), back],
            settings.State.HOUR: [button(r"^set:hour:(\d+)$", settings.save_hour), back],
            settings.State.QUIET_FROM: [
                button(r"^set:quiet_from:(\d+)$", settings.ask_quiet_to),
                button(r"^set:quiet_off$", settings.quiet_hours_off),
                back,
            ],
            settings.State.QUIET_TO: [
                button(r"^set:quiet_to:(\d+)$", settings.save_quiet_hours),
                back,
            ],
            settings.State.PAUSE: [button(r"^set:pause:(\d+|end)$", settings.save_pause), back],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
