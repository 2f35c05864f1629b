"""What the registration table (bot/registry.py) and the features' conversations
(handlers/<feature>/conversation.py) are built from: commands with their role checks, buttons,
stateless buttons with their declared roles, the shared fallbacks of every conversation, and the
expiry of conversations.

Each conversation state lists the buttons and messages it accepts; everything else falls to the
shared fallbacks (/cancel, a hint to use the buttons, an answer to stale buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands import command
from bot.runtime import Runtime
from bot.telegram.callback_data import numbers_checked
from bot.telegram.context import BotContext
from bot.telegram.conversations import ExpiryGuard
from bot.telegram.identity import Callback, Roles, role_guard, roles_guard
from handlers.help import cancel, fallback

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE
Handler = BaseHandler[Any, BotContext, Any]


def command_handler(name: str, callback: Callback) -> CommandHandler[BotContext, Any]:
    entry = command(name)
    return CommandHandler(list(entry.names), role_guard(entry, callback), filters=PRIVATE)


def button(pattern: str, callback: Callback) -> CallbackQueryHandler[BotContext, Any]:
    """A button of a conversation's state: its AccessGuard checks who presses it, from the
    roles of the conversation's command."""
    return CallbackQueryHandler(numbers_checked(callback), pattern=pattern)


# A stateless button anyone may press, members or not: its flow decides (a draft in memory,
# a survey's invitation, a receipt) and refuses anything else itself.
ANYONE = None


def stateless(
    pattern: str, callback: Callback, roles: Roles | None
) -> CallbackQueryHandler[BotContext, Any]:
    """A button outside conversations. `roles`: who may press it, declared for every one and
    read fresh for every press; anyone else is told why and the callback does not run."""
    if roles is not None:
        callback = roles_guard(roles, callback)
    return button(pattern, callback)


def conversation_fallbacks() -> list[Handler]:
    """Every conversation: /cancel ends it (also for people joining, who are no members yet),
    typing gets a hint, stale buttons an answer. Other commands are left to their handlers."""
    return [
        CommandHandler(list(command("cancel").names), cancel.cancel_conversation, filters=PRIVATE),
        MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, fallback.use_the_buttons),
        CallbackQueryHandler(fallback.stale_button),
    ]


def expiry_guard(runtime: Runtime) -> Callable[[str, str], ExpiryGuard]:
    timeout = timedelta(minutes=runtime.settings.bot.conversation_timeout_minutes)
    return lambda name, entry: ExpiryGuard(name, entry, runtime.persistence, timeout, runtime.clock)
