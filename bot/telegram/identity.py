"""Who is writing and in which language, looked up once per update before any handler runs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.commands import Command
from bot.i18n import resolve_language
from bot.services.members import find_member, was_active, wrote_again
from bot.services.updates import already_processed
from bot.telegram.context import BotContext
from bot.telegram.quiet import QUIET
from storage.models import Role

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]
log = logging.getLogger(__name__)


async def load_identity(update: Update, context: BotContext) -> None:
    """Skip updates handled before (Telegram redelivers after a crash); else find the member."""
    user = update.effective_user
    async with context.runtime.reads() as session:
        if await already_processed(session, update.update_id):
            log.info("update %s was handled before; skipped", update.update_id)
            raise ApplicationHandlerStop
        if user is None:
            return
        context.member = await find_member(session, user.id)
        runtime = context.runtime
        default = await runtime.initiative_language.get(session, runtime.clock())
    member = context.member
    # Never for the anonymous flows: their updates leave no trace, not even "was here today".
    if member is not None and not QUIET.get():
        if member.blocked:
            async with runtime.sessions.begin() as session:
                await wrote_again(session, member.id)
        today = runtime.today()
        if runtime.active_today.get(member.id) != today:
            async with runtime.sessions.begin() as session:
                await was_active(session, member.id, today)
            runtime.active_today[member.id] = today
    stored = context.member.language if context.member else None
    context.language = resolve_language(
        stored, user.language_code, default or runtime.settings.bot.default_language
    )


@dataclass(frozen=True)
class Roles:
    """Who may press a stateless button or send what a handler reads, declared beside it in
    the registration table (bot/registry.py) as commands declare theirs in bot/commands.py."""

    roles: frozenset[Role]
    # What members of other roles are told (a translation key); else that it is not meant
    # for their role.
    refusal: str | None = None

    def allows(self, role: Role | None) -> bool:
        return role is not None and role in self.roles


def refusal(context: BotContext, entry: Command | Roles, *, pressed: bool = False) -> str | None:
    """Why the member of this update may not use `entry` (a translated text), or None when
    they may. Read fresh for every update (load_identity): a member deactivated or given
    another role since is refused at once. `pressed`: the refusal answers a button."""
    member = context.member
    if entry.allows(member.role if member else None):
        return None
    if member is None:
        return context.t("error.not_a_member" if pressed else "start.stranger")
    if isinstance(entry, Roles) and entry.refusal is not None:
        return context.t(entry.refusal)
    return context.t("error.wrong_role", role=context.t(f"role.{member.role}"))


def role_guard(entry: Command, callback: Callback) -> Callback:
    """Run `callback` only for the roles the command table allows; explain otherwise."""
    if entry.roles is None:
        return callback

    @wraps(callback)
    async def guarded(update: Update, context: BotContext) -> Any:
        assert update.effective_message
        if (refused := refusal(context, entry)) is not None:
            await update.effective_message.reply_text(refused)
            return None
        return await callback(update, context)

    return guarded


def roles_guard(roles: Roles, callback: Callback, refused: Callback | None = None) -> Callback:
    """Run `callback` only for the declared `roles`, read fresh for every update. Anyone else
    gets `refused`, or else the refusal in an alert (a button) or a reply (a message)."""

    @wraps(callback)
    async def guarded(update: Update, context: BotContext) -> Any:
        text = refusal(context, roles, pressed=update.callback_query is not None)
        if text is None:
            return await callback(update, context)
        if refused is not None:
            return await refused(update, context)
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message:
            await update.effective_message.reply_text(text)
        return None

    return guarded
