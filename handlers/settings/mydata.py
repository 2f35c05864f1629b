"""/mydata (/meinedaten): everything stored about me as a file, and leaving with erasure.

The buttons carry no member id: each press acts only on whoever pressed, so a forged or stale
press can do nothing but what that person could do anyway.
"""

from __future__ import annotations

import json
import logging

from telegram import (
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError

from bot.i18n import LANGUAGES
from bot.services.settings.own_data import export_member_data, leave
from bot.telegram.context import BotContext
from bot.telegram.conversations import forget_user
from handlers.settings.callbacks import (
    CancelLeave,
    ConfirmLeave,
    Leave,
)
from storage.engine import checkpoint

log = logging.getLogger(__name__)


async def mydata(update: Update, context: BotContext) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        data = await export_member_data(session, context.known_member.id)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    message = update.effective_message
    await message.reply_document(
        content, filename=context.t("mydata.file_name"), caption=context.t("mydata.caption")
    )
    organisation = context.known_member.organisation_name
    await message.reply_text(
        context.t("mydata.offer", organisation=organisation),
        reply_markup=_buttons(context, ("leave", Leave().pack())),
    )


async def ask_leave(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(
        context.t("mydata.confirm", organisation=context.known_member.organisation_name),
        reply_markup=_buttons(
            context, ("confirm", ConfirmLeave().pack()), ("cancel", CancelLeave().pack())
        ),
    )


async def confirm_leave(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    assert update.effective_user
    organisation, user_id = context.known_member.organisation_name, update.effective_user.id
    async with context.runtime.sessions.begin() as session:
        await leave(session, context.known_member.id, context.runtime.clock())
    if not await checkpoint(context.runtime.engine):
        log.warning("the database was busy; the erasure reaches the file at the next checkpoint")
    context.member = None
    forget_user(context.application, user_id)
    await query.answer()
    await query.edit_message_text(context.t("mydata.left", organisation=organisation))
    await _remove_menu(context, user_id)


async def cancel_leave(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(context.t("mydata.kept"))


def _buttons(context: BotContext, *choices: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(context.t(f"mydata.button.{label}"), callback_data=data)
                for label, data in choices
            ]
        ]
    )


async def _remove_menu(context: BotContext, chat_id: int) -> None:
    """Their chat-scoped command menu goes; Telegram then shows the menu for strangers."""
    scope = BotCommandScopeChat(chat_id)
    try:
        for language in (None, *LANGUAGES):
            await context.bot.delete_my_commands(scope=scope, language_code=language)
    except TelegramError:
        # They left and were told so; a stale menu only offers commands that now refuse.
        log.warning("could not remove the command menu of a member who left")
