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
from handlers.settings.callbacks import (
    AskHour,
    AskLanguage,
    AskPause,
    AskQuiet,
    Menu,
    QuietFrom,
    QuietOff,
    QuietTo,
    SaveHour,
    SaveLanguage,
    SavePause,
    SettingsDone,
    SwitchDigest,
)


def settings_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    back = button(Menu.pattern, settings.menu)
    return persistent_conversation(
        name=settings.NAME,
        command="settings",
        entry_points=[command_handler("settings", settings.start)],
        states={
            settings.State.MENU: [
                button(AskLanguage.pattern, settings.ask_language),
                button(AskHour.pattern, settings.ask_hour),
                button(AskQuiet.pattern, settings.ask_quiet_from),
                button(AskPause.pattern, settings.ask_pause),
                button(SwitchDigest.pattern, settings.switch_digest),
                button(SettingsDone.pattern, settings.done),
            ],
            settings.State.LANGUAGE: [button(SaveLanguage.pattern, settings.save_language), back],
            settings.State.HOUR: [button(SaveHour.pattern, settings.save_hour), back],
            settings.State.QUIET_FROM: [
                button(QuietFrom.pattern, settings.ask_quiet_to),
                button(QuietOff.pattern, settings.quiet_hours_off),
                back,
            ],
            settings.State.QUIET_TO: [
                button(QuietTo.pattern, settings.save_quiet_hours),
                back,
            ],
            settings.State.PAUSE: [button(SavePause.pattern, settings.save_pause), back],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
