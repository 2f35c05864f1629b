"""The one ordered registration table of handlers; the only module that imports `handlers`.

PTB runs, per update, the first matching handler of every group, in group order. Within a
group the order of this table decides.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import all_names, command
from bot.context import BotApplication, BotContext
from bot.identity import Callback, load_identity, role_guard
from handlers import cancel, fallback, groups, help, start

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE


def _command(name: str, callback: Callback) -> CommandHandler[BotContext, None]:
    entry = command(name)
    return CommandHandler(list(entry.names), role_guard(entry, callback), filters=PRIVATE)


def handler_table() -> list[tuple[int, BaseHandler[Any, BotContext, Any]]]:
    return [
        # Group -1: identity. Every later handler reads context.member and context.language.
        (-1, TypeHandler(Update, load_identity)),
        # Group 0: features (private chat), then group chats, then the fallbacks, which must
        # come last because they match anything the features left.
        (0, _command("start", start.start)),
        (0, _command("help", help.help_command)),
        (0, _command("cancel", cancel.cancel)),
        (
            0,
            CommandHandler(
                all_names(), groups.point_to_private_chat, filters=filters.ChatType.GROUPS
            ),
        ),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND, fallback.unknown_command)),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT, fallback.not_understood)),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE, fallback.not_text)),
        (0, CallbackQueryHandler(fallback.stale_button)),
    ]


def register_handlers(application: BotApplication) -> None:
    for group, handler in handler_table():
        application.add_handler(handler, group=group)
