"""The error handler: log what broke (without user data) and tell the user, never silence."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.services.errors import DomainError
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)
# Telegram refuses a longer text in answerCallbackQuery (and shows no HTML there).
ALERT_LIMIT = 200
NOT_MODIFIED = "message is not modified"


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, DomainError):
        # Not a fault: the service refused what the user asked for and changed nothing.
        text = context.t(error.key, **error.values)
    elif isinstance(error, Forbidden):
        log.warning("update %s: the user blocked the bot; nothing to answer", update_id)
        return
    elif isinstance(error, BadRequest) and NOT_MODIFIED in error.message.lower():
        # A press that changes nothing shown (a double tap, a role set to what it was): the
        # message already says it all; only the button's spinner needs its answer.
        await _answer_quietly(update)
        return
    else:
        log.error("error while handling update %s", update_id, exc_info=error)
        text = context.t("error.generic")
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query and len(text) <= ALERT_LIMIT:
            await update.callback_query.answer(text, show_alert=True)
            return
        if update.callback_query:
            # Too long for an alert (the introduction for strangers): stop the button's
            # spinner and say it in the chat.
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the user about the error in update %s", update_id)


async def _answer_quietly(update: object) -> None:
    if isinstance(update, Update) and update.callback_query:
        with contextlib.suppress(TelegramError):  # answered before the edit already
            await update.callback_query.answer()
