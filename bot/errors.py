"""The error handler: log what broke (without user data) and tell the user, never silence."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import BotContext
from bot.services.errors import DomainError

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, DomainError):
        # Not a fault: the service refused what the user asked for and changed nothing.
        text = context.t(error.key, **error.values)
    elif isinstance(error, Forbidden):
        log.warning("update %s: the user blocked the bot; nothing to answer", update_id)
        return
    else:
        log.error("error while handling update %s", update_id, exc_info=error)
        text = context.t("error.generic")
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the user about the error in update %s", update_id)
