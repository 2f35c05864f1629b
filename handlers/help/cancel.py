"""/cancel (/abbrechen) outside any conversation: conversations handle it themselves."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from bot.telegram.context import BotContext


async def cancel(update: Update, context: BotContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(context.t("cancel.nothing"))


async def cancel_conversation(update: Update, context: BotContext) -> int:
    assert update.effective_message
    if context.user_data is not None:
        context.user_data.clear()  # drafts of the conversation; saved settings stay
    await update.effective_message.reply_text(context.t("cancel.done"))
    return ConversationHandler.END
