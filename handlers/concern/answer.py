"""The reporter's side of the dialogue: read replies with the receipt code, answer by button
or by replying to the office's message. Quiet updates, like the rest of the concern flow."""

from __future__ import annotations

from telegram import Message, Update

from bot.services.concern import concerns
from bot.services.concern.concerns import NAMED_TAG
from bot.services.errors import DomainError
from bot.services.privacy_crypto import normalise_receipt
from bot.telegram.context import BotContext
from handlers.concern import keyboards
from handlers.concern import writing as concern
from handlers.concern.flow import PREFIX, Draft, Step
from handlers.concern.texts import reporter_thread


def _member(context: BotContext) -> None:
    if context.member is None:
        raise DomainError("start.stranger")


async def ask_code(update: Update, context: BotContext) -> None:
    assert update.effective_user
    draft = concern.draft_at(update, context, Step.KIND)
    context.runtime.concern_drafts.touch(draft, Step.RECEIPT)
    await concern.edit(update, context.t("concern.asks_code"))


async def read_with_code(update: Update, context: BotContext) -> None:
    """A receipt sent on its own, or typed after "I have a code"."""
    message = update.effective_message
    assert message and update.effective_user and update.effective_chat
    _member(context)
    runtime = context.runtime
    code = normalise_receipt(message.text or "")
    if runtime.privacy_key is None or code is None:
        await message.reply_text(context.t("concern.unknown_code", count=_days(context)))
        return
    async with runtime.reads() as session:
        thread = await concerns.thread_by_receipt(
            session, runtime.privacy_key, code, runtime.concern_buffer.waiting
        )
    runtime.concern_drafts.drop(update.effective_user.id)
    if thread is None:
        await message.reply_text(context.t("concern.unknown_code", count=_days(context)))
        return
    tag = runtime.privacy_key.reply_tag(thread.ticket, update.effective_chat.id)
    *earlier, last = reporter_thread(context.t, thread, context.language)
    for part in earlier:
        await message.reply_text(part)
    await message.reply_text(last, reply_markup=keyboards.answer(context.t, thread.ticket, tag))


def _days(context: BotContext) -> int:
    return context.runtime.settings.privacy.retention_days


async def _may_answer(update: Update, context: BotContext, ticket: str, tag: str) -> bool:
    assert update.effective_chat
    member_id = context.member.id if context.member else None
    async with context.runtime.reads() as session:
        return await concerns.may_answer(
            session,
            context.runtime.privacy_key,
            ticket,
            tag,
            chat_id=update.effective_chat.id,
            member_id=member_id,
            waiting=context.runtime.concern_buffer.waiting,
        )


async def ask_answer(update: Update, context: BotContext) -> None:
    """The answer button under a reply or a thread: `anl:r:<ticket>:<tag>`."""
    assert context.matches and update.effective_user and update.effective_message
    _member(context)
    ticket, tag = context.matches[0].group(1), context.matches[0].group(2)
    if not await _may_answer(update, context, ticket, tag):
        raise DomainError("error.stale_button")
    context.runtime.concern_drafts.start(update.effective_user.id, Step.ANSWER, ticket=ticket)
    assert update.callback_query
    await update.callback_query.answer()
    await update.effective_message.reply_text(context.t("concern.asks_answer", ticket=ticket))


async def got_reply(update: Update, context: BotContext) -> None:
    """A Telegram reply to one of the office's messages: its button names the ticket."""
    message = update.effective_message
    assert message and message.reply_to_message
    _member(context)
    found = _answer_button(message.reply_to_message)
    if found is None or not await _may_answer(update, context, *found):
        raise DomainError("error.stale_button")
    await _store(update, context, found[0])


def _answer_button(replied: Message) -> tuple[str, str] | None:
    assert replied.reply_markup
    for row in replied.reply_markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            if isinstance(data, str) and data.startswith(f"{PREFIX}r:"):
                ticket, _, tag = data.removeprefix(f"{PREFIX}r:").partition(":")
                return ticket, tag or NAMED_TAG
    return None


async def got_answer(update: Update, context: BotContext, draft: Draft) -> None:
    message = update.effective_message
    assert message and update.effective_user and draft.ticket
    await _store(update, context, draft.ticket)
    context.runtime.concern_drafts.drop(update.effective_user.id)


async def _store(update: Update, context: BotContext, ticket: str) -> None:
    message = update.effective_message
    assert message and update.effective_user
    runtime, user_id = context.runtime, update.effective_user.id
    if runtime.concern_cap.reached(user_id, "message"):
        raise DomainError("concern.limit_messages")
    text = concerns.checked_text(message.text or "")
    async with runtime.sessions.begin() as session:
        await concerns.add_reporter_message(
            session,
            runtime.concern_buffer.waiting,
            ticket,
            text,
            today=runtime.today(),
            now=runtime.clock(),
            batch_minutes=runtime.settings.privacy.concern_batch_minutes,
        )
    runtime.concern_cap.count(user_id, "message")
    await message.reply_text(context.t("concern.answer_sent", ticket=ticket))


async def typed(update: Update, context: BotContext) -> None:
    """What a user with an open draft types goes to the step that waits for it."""
    assert update.effective_user
    _member(context)
    draft = context.runtime.concern_drafts.get(update.effective_user.id)
    if draft is None:
        return
    assert update.effective_message
    if not update.effective_message.text:
        await update.effective_message.reply_text(context.t("concern.text_only"))
    elif draft.step == Step.TEXT:
        await concern.got_text(update, context, draft)
    elif draft.step == Step.RECEIPT:
        await read_with_code(update, context)
    elif draft.step == Step.ANSWER:
        await got_answer(update, context, draft)
