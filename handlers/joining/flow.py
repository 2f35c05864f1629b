"""Joining with an invite link (/start CODE): privacy notice and consent, language, name."""

from __future__ import annotations

from enum import IntEnum

from telegram import Update
from telegram.ext import ConversationHandler

from bot.presentation.menus import command_lines, publish_member_menu
from bot.services.errors import DomainError
from bot.services.invites import check_invite
from bot.services.joining.joining import join
from bot.telegram.context import BotContext
from handlers.joining import keyboards


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    CONSENT = 0
    LANGUAGE = 1
    NAME = 2


NAME_KEY = "join"


async def start_with_code(update: Update, context: BotContext) -> int:
    message, user = update.effective_message, update.effective_user
    assert message and user and context.args
    runtime, now = context.runtime, context.runtime.clock()
    if context.member is not None:
        await message.reply_text(context.t("join.already_member"))
        return ConversationHandler.END
    if runtime.join_attempts.blocked(user.id, now):
        await message.reply_text(context.t("join.too_many"))
        return ConversationHandler.END
    try:
        async with runtime.reads() as session:
            invite = await check_invite(session, context.args[0], now)
    except DomainError as error:
        runtime.join_attempts.failed(user.id, now)
        await message.reply_text(context.t(error.key))
        return ConversationHandler.END
    _draft(context)["code"] = context.args[0]
    privacy = runtime.settings.privacy
    await message.reply_text(
        context.t(
            "join.notice",
            organisation=invite.organisation_name,
            role=context.t(f"role.{invite.role}"),
            controller=privacy.controller or context.t("join.controller_default"),
            contact=privacy.contact or context.t("join.controller_default"),
        ),
        reply_markup=keyboards.consent(context.t),
    )
    return State.CONSENT


async def consented(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(
        context.t("join.asks_language"), reply_markup=keyboards.join_language()
    )
    return State.LANGUAGE


async def declined(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query and context.user_data is not None
    context.user_data.pop(NAME_KEY, None)
    await query.answer()
    await query.edit_message_text(context.t("join.declined"))
    return ConversationHandler.END


async def chose_language(update: Update, context: BotContext) -> int:
    query, user = update.callback_query, update.effective_user
    assert query and user and context.matches
    context.language = _draft(context)["language"] = context.matches[0].group(1)
    await query.answer()
    await query.edit_message_text(
        context.t("join.asks_name"), reply_markup=keyboards.take_name(context.t, user.full_name)
    )
    return State.NAME


async def took_telegram_name(update: Update, context: BotContext) -> int:
    assert update.callback_query and update.effective_user
    await update.callback_query.answer()
    return await _finish(update, context, update.effective_user.full_name)


async def typed_name(update: Update, context: BotContext) -> int:
    assert update.effective_message and update.effective_message.text
    return await _finish(update, context, update.effective_message.text)


async def _finish(update: Update, context: BotContext, name: str) -> int:
    user, chat = update.effective_user, update.effective_chat
    assert user and chat and context.user_data is not None
    draft = _draft(context)
    context.language = draft.get("language", context.language)
    async with context.runtime.sessions.begin() as session:
        member = await join(
            session,
            code=draft.get("code", ""),
            telegram_id=user.id,
            name=name,
            language=context.language,
            now=context.runtime.clock(),
        )
    context.user_data.pop(NAME_KEY, None)
    context.member = member
    translator = context.runtime.translator
    await publish_member_menu(context.bot, translator, chat.id, context.language, member.role)
    await context.bot.send_message(
        chat.id,
        context.t(
            "join.welcome",
            name=member.display_name,
            commands=command_lines(translator, context.language, member.role),
        ),
    )
    return ConversationHandler.END


def _draft(context: BotContext) -> dict[str, str]:
    assert context.user_data is not None
    draft: dict[str, str] = context.user_data.setdefault(NAME_KEY, {})
    return draft
