"""Who is writing and in which language, looked up once per update before any handler runs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update

from bot.commands import Command
from bot.context import BotContext
from bot.i18n import resolve_language
from bot.services.members import find_member

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


async def load_identity(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    async with context.runtime.reads() as session:
        context.member = await find_member(session, user.id)
    stored = context.member.language if context.member else None
    context.language = resolve_language(
        stored, user.language_code, context.runtime.settings.bot.default_language
    )


def role_guard(entry: Command, callback: Callback) -> Callback:
    """Run `callback` only for the roles the command table allows; explain otherwise."""
    if entry.roles is None:
        return callback

    @wraps(callback)
    async def guarded(update: Update, context: BotContext) -> None:
        assert update.effective_message
        member = context.member
        if member is None:
            await update.effective_message.reply_text(context.t("start.stranger"))
        elif not entry.allows(member.role):
            role = context.t(f"role.{member.role}")
            await update.effective_message.reply_text(context.t("error.wrong_role", role=role))
        else:
            await callback(update, context)

    return guarded
