"""/cancel (/abbrechen) outside any conversation: conversations handle it themselves."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext


async def cancel(update: Update, context: BotContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(context.t("cancel.nothing"))
