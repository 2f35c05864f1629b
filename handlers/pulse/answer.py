"""Answering a pulse survey: the invitation's button, one question at a time with 1-5 buttons,
an optional comment. Quiet updates with drafts in memory (handlers.pulse.flow); every press checks
the draft, so a forged, stale or repeated press changes nothing."""

from __future__ import annotations

from telegram import Update

from bot.services.errors import DomainError
from bot.services.pulse import pulse
from bot.services.pulse.pulse import Completed, Respondent
from bot.telegram.context import BotContext
from handlers.pulse.flow import PulseDraft, Waiting
from handlers.pulse.texts import comment_buttons, question_text, score_buttons


async def _survey(context: BotContext, survey_id: int) -> pulse.OpenSurvey:
    async with context.runtime.reads() as session:
        return await pulse.survey_to_answer(session, survey_id, context.runtime.clock())


def _participation(context: BotContext, survey_id: int) -> str:
    key = context.runtime.privacy_key
    if context.member is None:
        raise DomainError("start.stranger")
    if key is None:
        raise DomainError("pulse.not_enabled")
    return pulse.participation(key, survey_id, context.member.id)


async def _took_part(context: BotContext, survey_id: int, hashed: str) -> bool:
    if context.runtime.pulse_buffer.waiting(survey_id, hashed):
        return True
    async with context.runtime.reads() as session:
        return await pulse.took_part(session, survey_id, hashed)


async def start(update: Update, context: BotContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query and user and context.matches
    survey_id = int(context.matches[0].group(1))
    hashed = _participation(context, survey_id)
    survey = await _survey(context, survey_id)
    if await _took_part(context, survey_id, hashed):
        raise DomainError("pulse.already")
    draft = context.runtime.pulse_drafts.start(
        user.id, survey_id, [q.code for q in survey.questions], survey.k
    )
    await query.answer()
    await _ask(update, context, survey, draft)


async def _ask(
    update: Update, context: BotContext, survey: pulse.OpenSurvey, draft: PulseDraft
) -> None:
    query = update.callback_query
    assert query
    index = draft.next_index
    text = context.t(
        "pulse.question",
        number=index + 1,
        total=len(survey.questions),
        question=question_text(survey.questions[index], context.language),
    )
    await query.edit_message_text(text, reply_markup=score_buttons(context.t, survey.id, index))


def _draft(update: Update, context: BotContext, survey_id: int) -> PulseDraft:
    assert update.effective_user
    draft = context.runtime.pulse_drafts.get(update.effective_user.id)
    if draft is None or draft.survey_id != survey_id:
        raise DomainError("error.stale_button")
    return draft


async def score(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    survey_id, index, value = (int(g) for g in context.matches[0].groups())
    draft = _draft(update, context, survey_id)
    if index != draft.next_index or draft.wants_comment or value not in pulse.SCORES:
        raise DomainError("error.stale_button")
    draft.scores[draft.codes[index]] = value
    draft.touched = context.runtime.clock()
    await query.answer()
    if draft.wants_comment:
        await query.edit_message_text(
            context.t("pulse.asks_comment", limit=pulse.COMMENT_LIMIT),
            reply_markup=comment_buttons(context.t, survey_id),
        )
        return
    await _ask(update, context, await _survey(context, survey_id), draft)


async def no_comment(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    draft = _draft(update, context, int(context.matches[0].group(1)))
    if not draft.wants_comment:
        raise DomainError("error.stale_button")
    await query.answer()
    await query.edit_message_text(await _finish(update, context, draft, None))


async def comment(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message and user
    draft = context.runtime.pulse_drafts.get(user.id)
    if draft is None:
        return
    if not message.text:
        await message.reply_text(context.t("pulse.text_only"))
        return
    text = pulse.checked_comment(message.text)
    await message.reply_text(await _finish(update, context, draft, text))


async def _finish(update: Update, context: BotContext, draft: PulseDraft, text: str | None) -> str:
    assert update.effective_user and update.effective_chat
    runtime = context.runtime
    runtime.pulse_drafts.drop(update.effective_user.id)
    hashed = _participation(context, draft.survey_id)
    await _survey(context, draft.survey_id)  # closed in the meantime: refused
    if await _took_part(context, draft.survey_id, hashed):
        raise DomainError("pulse.already")
    completed = Completed(participation=hashed, scores=dict(draft.scores), comment=text)
    # Where to tell them should the answers be dropped: in memory only, beside the answers.
    respondent = Respondent(update.effective_chat.id, context.language)
    await runtime.pulse_buffer.add(draft.survey_id, draft.k, Waiting(completed, respondent))
    return context.t("pulse.thanks", k=draft.k)


async def cancel(update: Update, context: BotContext) -> None:
    assert update.effective_user and update.effective_message
    context.runtime.pulse_drafts.drop(update.effective_user.id)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(context.t("pulse.cancelled"))
    else:
        await update.effective_message.reply_text(context.t("pulse.cancelled"))
