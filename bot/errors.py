"""The error handler: log what broke (without user data) and tell the user, never silence."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(context.t("error.generic"), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, context.t("error.generic"))
    except TelegramError:
        log.warning("could not tell the user about the error in update %s", update_id)
