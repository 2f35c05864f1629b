"""/concerns (/anliegenliste) for coordinators: open concerns, the thread, acknowledge, reply,
set status. Stateless buttons (`cdk:`), except the reply: a conversation that waits for the
text, shows it back and sends it only when confirmed."""

from __future__ import annotations

from enum import IntEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.services.concern import desk as concern_desk
from bot.services.concern.concerns import checked_text
from bot.telegram.context import BotContext
from handlers.concern import keyboards
from handlers.concern.texts import desk_thread, reporter_notice

NAME = "concern_reply"


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    TEXT = 0
    CONFIRM = 1


# Buttons in one message; the most urgent and oldest come first.
LIST_LIMIT = 30


async def show(update: Update, context: BotContext) -> None:
    assert update.effective_message
    text, markup = await _list(context)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def back_to_list(update: Update, context: BotContext) -> None:
    assert update.callback_query
    text, markup = await _list(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(text, reply_markup=markup)


async def _list(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None]:
    async with context.runtime.reads() as session:
        found = await concern_desk.open_concerns(session)
    if not found:
        return context.t("concerns.none"), None
    markup = keyboards.desk_list(context.t, found[:LIST_LIMIT], context.language)
    text = context.t("concerns.list", count=len(found))
    if len(found) > LIST_LIMIT:
        text += "\n" + context.t("concerns.list_more", shown=LIST_LIMIT)
    return text, markup


async def detail(update: Update, context: BotContext) -> None:
    assert update.callback_query and context.matches
    await update.callback_query.answer()
    await _show_detail(update, context, context.matches[0].group(1))


async def _show_detail(
    update: Update, context: BotContext, ticket: str, *, edit: bool = True
) -> None:
    async with context.runtime.reads() as session:
        view = await concern_desk.view(session, ticket)
    parts = desk_thread(context.t, view, context.language)
    markup = keyboards.desk_actions(context.t, ticket, view.thread.status)
    # A long thread comes in several messages; the actions stay under its last one.
    if edit and update.callback_query:
        last = len(parts) == 1
        await update.callback_query.edit_message_text(
            parts.pop(0), reply_markup=markup if last else None
        )
    assert update.effective_chat
    for number, part in enumerate(parts, start=1):
        await context.bot.send_message(
            update.effective_chat.id, part, reply_markup=markup if number == len(parts) else None
        )


async def acknowledge(update: Update, context: BotContext) -> None:
    assert update.callback_query and context.matches
    ticket, runtime = context.matches[0].group(1), context.runtime
    notice = reporter_notice(runtime.translator, "concern.notice.acknowledged", ticket)
    async with runtime.sessions.begin() as session:
        changed = await concern_desk.acknowledge(
            session, ticket, runtime.today(), runtime.clock(), runtime.privacy_key, notice
        )
    runtime.outbox_wake.set()
    key = "concerns.acknowledged" if changed else "concerns.already_acknowledged"
    await update.callback_query.answer(context.t(key))
    await _show_detail(update, context, ticket)


async def ask_status(update: Update, context: BotContext) -> None:
    assert update.callback_query and context.matches
    ticket = context.matches[0].group(1)
    async with context.runtime.reads() as session:
        view = await concern_desk.view(session, ticket)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        context.t("concerns.asks_status", ticket=ticket),
        reply_markup=keyboards.desk_statuses(context.t, ticket, view.thread.status),
    )


async def set_status(update: Update, context: BotContext) -> None:
    assert update.callback_query and context.matches
    ticket, status = context.matches[0].group(1), context.matches[0].group(2)
    runtime = context.runtime
    notice = reporter_notice(runtime.translator, "concern.notice.status", ticket, status=status)
    async with runtime.sessions.begin() as session:
        await concern_desk.set_status(
            session,
            ticket,
            status,
            today=runtime.today(),
            now=runtime.clock(),
            key=runtime.privacy_key,
            notice=notice,
        )
    runtime.outbox_wake.set()
    await update.callback_query.answer(context.t("concerns.status_set"))
    await _show_detail(update, context, ticket)


async def ask_reply(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.matches and context.user_data is not None
    ticket = context.matches[0].group(1)
    async with context.runtime.reads() as session:
        await concern_desk.view(session, ticket)  # refuses a ticket that is gone
    context.user_data[NAME] = {"ticket": ticket}
    await update.callback_query.answer()
    assert update.effective_message
    await update.effective_message.reply_text(context.t("concerns.asks_reply", ticket=ticket))
    return State.TEXT


async def got_reply(update: Update, context: BotContext) -> int:
    """The typed reply is shown back with Send / Change / Cancel: text that landed here by
    mistake (meant for something else, or typed before a restart) is never sent unseen."""
    message = update.effective_message
    assert message
    draft = _reply_draft(context)
    if draft is None:
        return ConversationHandler.END
    if not message.text:
        await message.reply_text(context.t("concern.text_only"))
        return State.TEXT
    draft["text"] = checked_text(message.text)
    await message.reply_text(
        context.t("concerns.reply_preview", ticket=draft["ticket"], text=draft["text"]),
        reply_markup=keyboards.reply_preview(context.t),
    )
    return State.CONFIRM


async def change_reply(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query
    draft = _reply_draft(context)
    await query.answer()
    if draft is None:
        return ConversationHandler.END
    draft.pop("text", None)
    await query.edit_message_text(context.t("concerns.asks_reply", ticket=draft["ticket"]))
    return State.TEXT


async def cancel_reply(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(context.t("concerns.reply_cancelled"))
    return ConversationHandler.END  # the access guard drops the draft


async def send_reply(update: Update, context: BotContext) -> int:
    coordinator = context.known_member
    query = update.callback_query
    assert query
    draft = _reply_draft(context)
    if draft is None or not isinstance(draft.get("text"), str):
        await query.answer(context.t("error.stale_button"), show_alert=True)
        return ConversationHandler.END
    ticket, text, runtime = draft["ticket"], draft["text"], context.runtime
    notice = reporter_notice(runtime.translator, "concern.notice.reply", ticket, text=text)
    async with runtime.sessions.begin() as session:
        reached = await concern_desk.reply(
            session,
            ticket,
            text,
            coordinator_id=coordinator.id,
            today=runtime.today(),
            now=runtime.clock(),
            batch_minutes=runtime.settings.privacy.concern_batch_minutes,
            key=runtime.privacy_key,
            notice=notice,
        )
    runtime.outbox_wake.set()
    await query.answer()
    await query.edit_message_text(
        context.t("concerns.replied" if reached else "concerns.replied_unreached")
    )
    await _show_detail(update, context, ticket, edit=False)
    return ConversationHandler.END


def _reply_draft(context: BotContext) -> dict[str, str] | None:
    """The reply being written: its ticket and, once typed, its text."""
    assert context.user_data is not None
    draft = context.user_data.get(NAME)
    if isinstance(draft, str):  # stored before replies were confirmed: the ticket alone
        draft = context.user_data[NAME] = {"ticket": draft}
    if not isinstance(draft, dict) or not isinstance(draft.get("ticket"), str):
        return None
    return draft
