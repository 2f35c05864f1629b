"""Values from a CSV or XLSX file a coordinator sends in the private chat: a summary first,
written only with [Speichern] (bot/services/report/value_files.py).

No conversation: the draft is the summary's token, the file's id, name and digest and the
language its numbers were read in, kept in the persisted user_data, so a restart between the
summary and the confirmation loses nothing, and no state waits for text that was meant for
something else. Each summary's buttons carry the message id of its file: a newer file
replaces the draft, and an older summary's buttons are then answered as stale.
"""

from __future__ import annotations

from typing import ClassVar

from telegram import Update

from bot.services.errors import DomainError
from bot.services.report import value_files
from bot.telegram.context import BotContext
from bot.telegram.drafts import Draft, StaleDraft, drop_draft, read_draft, write_draft
from handlers.report import value_file_texts as texts
from storage.models import Role


class ValueFileDraft(Draft):
    key: ClassVar[str] = "value_file"

    # The message id of the file, which the summary's buttons carry; None: no summary.
    token: int | None = None
    file_id: str = ""
    name: str = ""
    digest: str = ""
    language: str = ""


async def received(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message and message.document
    document, name = message.document, message.document.file_name or ""
    value_files.check_upload(context.member, name, document.file_size)
    # A newer table file makes an older summary stale, even when this one has problems.
    drop_draft(context, ValueFileDraft)
    content = await _download(context, document.file_id)
    async with context.runtime.reads() as session:
        preview = await value_files.preview(
            session,
            context.member,
            content,
            name,
            language=context.language,
            now=context.runtime.clock(),
        )
    if preview.problems:
        await message.reply_text(texts.problems(context.t, preview, name, context.language))
        return
    summary = texts.summary(context.t, preview, name, context.language)
    if not preview.written:
        await message.reply_text(summary)
        return
    write_draft(
        context,
        ValueFileDraft(
            token=message.message_id,
            file_id=document.file_id,
            name=name,
            digest=preview.digest,
            language=context.language,
        ),
    )
    await message.reply_text(summary, reply_markup=texts.keyboard(context.t, message.message_id))


async def save(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and update.effective_message
    draft = _take_draft(context)
    content = await _download(context, draft.file_id)
    async with context.runtime.sessions.begin() as session:
        saved = await value_files.save(
            session,
            context.member,
            content,
            draft.name,
            expected_digest=draft.digest,
            language=draft.language,
            now=context.runtime.clock(),
        )
    await query.answer()
    await query.edit_message_reply_markup(None)
    await update.effective_message.reply_text(
        context.t(
            "valuefile.saved",
            count=saved.written,
            unchanged=saved.unchanged,
        )
    )


async def cancel(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and update.effective_message
    _take_draft(context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await update.effective_message.reply_text(context.t("valuefile.cancelled"))


async def not_for_this_role(update: Update, context: BotContext) -> None:
    """Partners, observers and strangers: what they can do instead; the file is not read."""
    assert update.effective_message
    member = context.member
    key = (
        "start.stranger"
        if member is None
        else "valuefile.partner"
        if member.role is Role.PARTNER
        else "valuefile.other_role"
    )
    await update.effective_message.reply_text(context.t(key))


def _take_draft(context: BotContext) -> ValueFileDraft:
    """The draft this summary's button names, removed at once: a second press (or a
    redelivery) finds none. Without it, with one that does not validate, or for another
    summary, the button is stale."""
    assert context.matches
    try:
        draft = read_draft(context, ValueFileDraft)
    except StaleDraft:
        drop_draft(context, ValueFileDraft)
        raise DomainError("valuefile.stale") from None
    if str(draft.token) != context.matches[0].group(1):
        raise DomainError("valuefile.stale")
    drop_draft(context, ValueFileDraft)
    return draft


async def _download(context: BotContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())
