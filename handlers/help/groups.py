"""Group chats: our commands get a pointer to the private chat; everything personal stays there."""

from __future__ import annotations

from telegram import Update

from bot.presentation.keyboards import private_chat_link
from bot.telegram.context import BotContext


async def point_to_private_chat(update: Update, context: BotContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(
        context.t("group.pointer"),
        reply_markup=private_chat_link(context.t("group.open_private"), context.bot.username),
    )
