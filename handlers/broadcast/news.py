"""/news (/neuigkeiten): recent broadcasts; the "read" button; coordinators' delivery status
and who has not confirmed. All buttons here are stateless and checked on every press."""

from __future__ import annotations

from telegram import Update

from bot.i18n import Html
from bot.i18n.formatting import format_date
from bot.presentation.message_fit import split_list, split_message
from bot.services.broadcast import broadcasts
from bot.services.broadcast.broadcasts import Acknowledgement
from bot.services.members import is_coordinator
from bot.telegram.context import BotContext
from handlers.broadcast import keyboards
from handlers.broadcast.texts import ack_data, status_text

PAGE = 5


async def news(update: Update, context: BotContext) -> None:
    await _page(update, context, 0)


async def older(update: Update, context: BotContext) -> None:
    assert update.callback_query and context.matches
    await update.callback_query.answer()
    await _page(update, context, int(context.matches[0].group(1)))


async def _page(update: Update, context: BotContext, offset: int) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        items, more = await broadcasts.news(session, context.known_member, offset, PAGE)
    if not items:
        await update.effective_message.reply_text(context.t("news.none"))
        return
    entries = [
        context.t(
            "news.item",
            date=format_date(item.created_on, context.language),
            organisation=item.organisation_name,
            text=Html(item.text),
        )
        for item in items
    ]
    parts = split_message("\n\n".join([context.t("news.title"), *entries]))
    for part in parts[:-1]:
        await update.effective_message.reply_text(part)
    markup = keyboards.news(
        context.t,
        context.language,
        items,
        coordinator=is_coordinator(context.member),
        older_offset=offset + PAGE if more else None,
    )
    await update.effective_message.reply_text(parts[-1], reply_markup=markup)


async def acknowledge(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    broadcast_id = int(context.matches[0].group(1))
    async with context.runtime.sessions.begin() as session:
        result = await broadcasts.acknowledge(
            session, broadcast_id, context.member, context.runtime.clock()
        )
    key = "broadcast.acknowledged" if result is Acknowledgement.RECORDED else "broadcast.already"
    await query.answer(context.t(key))
    if query.message is not None and hasattr(query.message, "reply_markup"):
        markup = keyboards.without(query.message.reply_markup, ack_data(broadcast_id))
        await query.edit_message_reply_markup(markup)


async def show_status(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    async with context.runtime.reads() as session:
        status = await broadcasts.status(session, int(context.matches[0].group(1)))
    text = status_text(context.runtime.translator, context.language, status, "broadcast.status")
    markup = keyboards.unconfirmed(context.t, status.id) if status.ask_ack else None
    await query.answer()
    await update.effective_message.reply_text(text, reply_markup=markup)


async def show_unconfirmed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    async with context.runtime.reads() as session:
        groups = await broadcasts.unconfirmed(session, int(context.matches[0].group(1)))
    lines = [context.t("broadcast.unconfirmed.title" if groups else "broadcast.unconfirmed.none")]
    for group in groups:
        lines.append(context.t("broadcast.unconfirmed.organisation", name=group.name))
        if group.unconfirmed:
            names = ", ".join(group.unconfirmed)
            lines.append(context.t("broadcast.unconfirmed.people", names=names))
        if group.unreached:
            names = ", ".join(group.unreached)
            lines.append(context.t("broadcast.unconfirmed.unreached", names=names))
    await query.answer()
    # Every name counts: several messages if need be, cut only between names.
    for part in split_list(lines):
        await update.effective_message.reply_text(part)
