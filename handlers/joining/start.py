"""/start: a welcome that explains how to join, or a greeting for members."""

from __future__ import annotations

from telegram import Update

from bot.presentation.menus import command_lines
from bot.telegram.context import BotContext


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_message
    member = context.member
    if member is None:
        # Joining with an invite code arrives with the members feature; until then a code in
        # /start is treated like a plain /start.
        await update.effective_message.reply_text(context.t("start.stranger"))
        return
    commands = command_lines(context.runtime.translator, context.language, member.role)
    await update.effective_message.reply_text(
        context.t("start.member", name=member.display_name, commands=commands)
    )
