"""Answers for what no feature handled: help, never silence."""

from __future__ import annotations

from telegram import Update

from bot.telegram.context import BotContext


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message
    assert message.text
    if context.member is None:
        await message.reply_text(context.t("start.stranger"))
        return
    command = message.text.split()[0].split("@")[0]
    await message.reply_text(context.t("fallback.unknown_command", command=command))


async def not_understood(update: Update, context: BotContext) -> None:
    assert update.effective_message
    key = "start.stranger" if context.member is None else "fallback.text"
    await update.effective_message.reply_text(context.t(key))


async def not_text(update: Update, context: BotContext) -> None:
    assert update.effective_message
    key = "start.stranger" if context.member is None else "fallback.not_text"
    await update.effective_message.reply_text(context.t(key))


async def stale_button(update: Update, context: BotContext) -> None:
    assert update.callback_query
    await update.callback_query.answer(context.t("error.stale_button"), show_alert=True)


async def use_the_buttons(update: Update, context: BotContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(context.t("conversation.use_buttons"))
