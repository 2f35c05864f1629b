"""/concern (/anliegen): raise a concern, anonymously or with name (DESIGN section 6).

The draft lives in memory only (handlers.concern.flow); these updates are handled quietly: no log
record, no persistence, only their "processed" mark, alone. An anonymous concern waits in
memory for the end of its batch (bot.services.concern.buffer). Every button checks the draft's step,
so a forged or stale press changes nothing.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.config.logs import CONTENT_FREE
from bot.runtime import DEFAULT_TIMEZONE
from bot.services.concern import concerns
from bot.services.concern.concerns import CATEGORIES, SEVERITIES, NewConcern
from bot.services.errors import DomainError
from bot.telegram.context import BotContext
from handlers.concern import keyboards
from handlers.concern.flow import Draft, Step

log = logging.getLogger(__name__)


def draft_at(update: Update, context: BotContext, step: str) -> Draft:
    assert update.effective_user
    draft = context.runtime.concern_drafts.get(update.effective_user.id)
    if draft is None or draft.step != step or context.member is None:
        raise DomainError("error.stale_button")
    return draft


async def edit(update: Update, text: str, **kwargs: object) -> None:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(text, **kwargs)  # type: ignore[arg-type]


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_user and update.effective_message
    runtime = context.runtime
    if runtime.concern_cap.reached(update.effective_user.id, "concern"):
        limit = runtime.concern_cap.limit("concern")
        await update.effective_message.reply_text(context.t("concern.limit", count=limit))
        return
    runtime.concern_drafts.start(update.effective_user.id, Step.KIND)
    possible = runtime.privacy_key is not None
    await update.effective_message.reply_text(
        context.t("concern.intro" if possible else "concern.intro_no_key"),
        reply_markup=keyboards.start(context.t, anonymous_possible=possible),
    )


async def choose_kind(update: Update, context: BotContext) -> None:
    assert context.matches
    draft = draft_at(update, context, Step.KIND)
    anonymous = context.matches[0].group(1) == "anon"
    if anonymous and context.runtime.privacy_key is None:
        raise DomainError("concern.not_enabled")
    draft.anonymous = anonymous
    context.runtime.concern_drafts.touch(draft, Step.CATEGORY)
    await edit(
        update, context.t("concern.asks_category"), reply_markup=keyboards.categories(context.t)
    )


def _choice(
    update: Update, context: BotContext, step: str, allowed: tuple[str, ...]
) -> tuple[Draft, str]:
    """The draft at `step` and the pressed choice, checked against `allowed` (forged data)."""
    assert context.matches
    draft, choice = draft_at(update, context, step), context.matches[0].group(1)
    if choice not in allowed:
        raise DomainError("error.stale_button")
    return draft, choice


async def choose_category(update: Update, context: BotContext) -> None:
    draft, category = _choice(update, context, Step.CATEGORY, CATEGORIES)
    draft.category = category
    context.runtime.concern_drafts.touch(draft, Step.SEVERITY)
    await edit(
        update, context.t("concern.asks_severity"), reply_markup=keyboards.severities(context.t)
    )


async def choose_severity(update: Update, context: BotContext) -> None:
    draft, severity = _choice(update, context, Step.SEVERITY, SEVERITIES)
    draft.severity = severity
    context.runtime.concern_drafts.touch(draft, Step.TEXT)
    await edit(update, context.t("concern.asks_text", limit=concerns.TEXT_LIMIT))


async def got_text(update: Update, context: BotContext, draft: Draft) -> None:
    message = update.effective_message
    assert message
    draft.text = concerns.checked_text(message.text or "")
    context.runtime.concern_drafts.touch(draft, Step.CONFIRM)
    await message.reply_text(
        context.t(
            "concern.summary",
            kind=context.t("concern.kind.anonymous" if draft.anonymous else "concern.kind.named"),
            category=context.t(f"concern.category.{draft.category}"),
            severity=context.t(f"concern.severity.{draft.severity}"),
            text=draft.text,
        ),
        reply_markup=keyboards.confirm(context.t),
    )


async def send(update: Update, context: BotContext) -> None:
    draft = draft_at(update, context, Step.CONFIRM)
    assert update.effective_user and context.member
    runtime, user_id = context.runtime, update.effective_user.id
    if runtime.concern_cap.reached(user_id, "concern"):
        runtime.concern_drafts.drop(user_id)
        raise DomainError("concern.limit", count=runtime.concern_cap.limit("concern"))
    concern = NewConcern.model_validate(
        {
            "anonymous": draft.anonymous,
            "category": draft.category,
            "severity": draft.severity,
            "text": draft.text or "",
        }
    )
    async with runtime.sessions.begin() as session:
        opened = await concerns.open_concern(
            session,
            concern,
            key=runtime.privacy_key,
            reporter_id=None if draft.anonymous else context.member.id,
            today=runtime.today(),
            now=runtime.clock(),
            batch_minutes=runtime.settings.privacy.concern_batch_minutes,
            waiting=runtime.concern_buffer.waiting,
        )
    runtime.concern_cap.count(user_id, "concern")
    if opened.receipt is None:
        runtime.concern_drafts.drop(user_id)
        await edit(update, context.t("concern.sent_named", ticket=opened.ticket))
        return
    draft.concern_id = opened.concern_id
    runtime.concern_drafts.touch(draft, Step.NOTIFY)
    batch = opened.batch_at.astimezone(DEFAULT_TIMEZONE).strftime("%H:%M")
    receipt = context.t(
        "concern.sent_anonymous", ticket=opened.ticket, receipt=opened.receipt, batch=batch
    )
    await show_once(update, context, receipt, keyboards.notify(context.t))


async def show_once(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup
) -> None:
    """The receipt is shown once, by editing the confirmation into it. If Telegram refuses
    that even after retries, it comes as a new message: the reporter must not be left
    without it. The log says that it happened and nothing else (no code, no person)."""
    try:
        await edit(update, text, reply_markup=markup)
    except TelegramError:
        log.warning(
            "a receipt could not be shown by editing; sent in a new message", extra=CONTENT_FREE
        )
        assert update.effective_chat
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def choose_notify(update: Update, context: BotContext) -> None:
    assert context.matches and update.effective_chat and update.effective_user
    draft = draft_at(update, context, Step.NOTIFY)
    runtime = context.runtime
    runtime.concern_drafts.drop(update.effective_user.id)
    wanted = context.matches[0].group(1) == "yes"
    if wanted and runtime.privacy_key is not None and draft.concern_id is not None:
        async with runtime.reads() as session:
            await concerns.want_notifications(
                session,
                runtime.concern_buffer.waiting,
                draft.concern_id,
                runtime.privacy_key,
                update.effective_chat.id,
                context.language,
                now=runtime.clock(),
                batch_minutes=runtime.settings.privacy.concern_batch_minutes,
            )
    # The receipt stays visible in the message: it is shown once, and this is that once.
    query = update.callback_query
    assert query and query.message
    await query.answer()
    await query.edit_message_reply_markup(None)
    await context.bot.send_message(
        update.effective_chat.id,
        context.t("concern.notify_on" if wanted else "concern.notify_off"),
    )


async def cancel(update: Update, context: BotContext) -> None:
    assert update.effective_user and update.effective_message
    context.runtime.concern_drafts.drop(update.effective_user.id)
    if update.callback_query:
        await edit(update, context.t("concern.cancelled"))
    else:
        await update.effective_message.reply_text(context.t("concern.cancelled"))
