"""/help (/hilfe): what this role can do here."""

from __future__ import annotations

from telegram import Update

from bot.commands import COORDINATOR_PLUS
from bot.presentation.menus import command_lines
from bot.telegram.context import BotContext


async def help_command(update: Update, context: BotContext) -> None:
    assert update.effective_message
    member = context.member
    if member is None:
        await update.effective_message.reply_text(context.t("start.stranger"))
        return
    text = context.t(
        "help.member",
        role=context.t(f"role.{member.role}"),
        organisation=member.organisation_name,
        commands=command_lines(context.runtime.translator, context.language, member.role),
    )
    if member.role in COORDINATOR_PLUS:
        # Sending a file is no command, so the command list cannot show it.
        text += "\n\n" + context.t("help.value_file")
    await update.effective_message.reply_text(text)
