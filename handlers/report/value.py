"""/report (/melden), second half: the value (typed or by button), asking back when a number
can be read two ways, a note (required for implausible values), the summary and saving."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.presentation.message_fit import split_message
from bot.services.errors import DomainError
from bot.services.members import is_coordinator
from bot.services.progress.progress import standing
from bot.services.report import backlog as report_backlog
from bot.services.report import menu as report_menu
from bot.services.report import reporting
from bot.services.report.number_reader import (
    Ambiguous,
    Read,
    Reason,
    Rejected,
    read_value,
    validate,
)
from bot.services.report.reporting import Entry, Question
from bot.telegram.context import BotContext
from handlers.report import keyboards, texts
from handlers.report.states import State

NAME = "report"


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(NAME, {})
    return draft


async def _question(context: BotContext) -> Question:
    async with context.runtime.reads() as session:
        return await reporting.question(
            session, int(_draft(context).get("obligation", -1)), context.known_member
        )


async def ask_value(update: Update, context: BotContext, asked: Question | None = None) -> int:
    asked = asked or await _question(context)
    text = texts.ask(context.t, asked, context.language)
    markup = keyboards.answers(context.t, asked.kind)
    if update.callback_query:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        assert update.effective_message
        await update.effective_message.reply_text(text, reply_markup=markup)
    return State.VALUE


async def correct(update: Update, context: BotContext) -> int:
    assert update.callback_query
    await update.callback_query.answer()
    return await ask_value(update, context)


async def change(update: Update, context: BotContext) -> int:
    assert update.callback_query
    await update.callback_query.answer()
    return await ask_value(update, context)


async def typed_value(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message and message.text
    asked = await _question(context)
    # "KW 36: 12, KW 37: 15": several periods of this indicator at once.
    state = await backlog(update, context, asked.organisation_id, asked.indicator_id)
    if state is not None:
        return state
    answer = read_value(message.text, asked.spec, context.language)
    if isinstance(answer, Rejected):
        await message.reply_text(texts.rejected(context.t, asked.spec, answer, context.language))
        return await ask_value(update, context, asked)
    if isinstance(answer, Ambiguous):
        fitting = [r for r in answer.readings if isinstance(validate(r, asked.spec), Read)]
        _draft(context)["readings"] = fitting
        labels = [texts.reading(asked, r, context.language) for r in fitting]
        await message.reply_text(
            context.t("report.ambiguous", typed=message.text.strip()),
            reply_markup=keyboards.readings(context.t, labels),
        )
        return State.PICK
    return await _got_value(update, context, asked, answer.value)


async def not_a_number(update: Update, context: BotContext) -> int:
    """A file, photo or sticker where a value is expected."""
    asked = await _question(context)
    assert update.effective_message
    await update.effective_message.reply_text(
        texts.rejected(context.t, asked.spec, Rejected(Reason.NOT_A_NUMBER), context.language)
    )
    return State.VALUE


async def pressed_value(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.matches
    asked = await _question(context)
    answer = validate(float(context.matches[0].group(1)), asked.spec)
    if isinstance(answer, Rejected):  # a forged button
        raise DomainError("report.invalid_value")
    await update.callback_query.answer()
    return await _got_value(update, context, asked, answer.value)


async def picked(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.matches
    readings = _draft(context).get("readings", [])
    index = int(context.matches[0].group(1))
    if index >= len(readings):
        raise DomainError("report.invalid_value")
    await update.callback_query.answer()
    return await _got_value(update, context, await _question(context), float(readings[index]))


async def not_applicable(update: Update, context: BotContext) -> int:
    assert update.callback_query
    await update.callback_query.answer()
    return await _got_value(update, context, await _question(context), None)


async def _got_value(
    update: Update, context: BotContext, asked: Question, value: float | None
) -> int:
    draft = _draft(context)
    draft.update(value=value, note="")
    earlier = None
    if value is not None:
        async with context.runtime.reads() as session:
            earlier = await reporting.needs_note(session, asked, value)
    if earlier:
        text = texts.implausible(context.t, asked, value or 0.0, earlier, context.language)
        await _say(update, text, keyboards.note(context.t, optional=False))
        return State.NOTE_REQUIRED
    await _say(update, context.t("report.asks_note"), keyboards.note(context.t, optional=True))
    return State.NOTE


async def typed_note(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message and message.text
    if len(message.text) > reporting.MAX_NOTE_LENGTH:
        raise DomainError(
            "report.note_too_long", length=len(message.text), limit=reporting.MAX_NOTE_LENGTH
        )
    _draft(context)["note"] = message.text.strip()
    return await _summary(update, context)


async def no_note(update: Update, context: BotContext) -> int:
    assert update.callback_query
    await update.callback_query.answer()
    return await _summary(update, context)


async def _summary(update: Update, context: BotContext) -> int:
    asked = await _question(context)
    text = texts.summary(context.t, asked, _draft(context), context.language)
    await _say(update, text, keyboards.confirm(context.t))
    return State.CONFIRM


async def save(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query
    draft = _draft(context)
    entry = Entry(
        obligation_id=draft.get("obligation", -1),
        value=draft.get("value"),
        note=draft.get("note", ""),
        seen_revision=draft.get("seen_revision", -1),
    )
    coordinator = is_coordinator(context.known_member)
    async with context.runtime.sessions.begin() as session:
        await reporting.save(session, context.known_member, entry, context.runtime.clock())
        asked = await reporting.question(session, entry.obligation_id, context.known_member)
        where = await standing(
            session,
            asked.indicator_id,
            asked.period,
            asked.organisation_id,
            coordinator=coordinator,
        )
    draft.clear()
    await query.answer()
    text = texts.saved(context.t, asked, where, context.language, entry.value)
    await _after_saving(update, context, text, asked.organisation_id)
    return ConversationHandler.END


async def _after_saving(
    update: Update, context: BotContext, text: str, organisation_id: int
) -> None:
    """What is still open for the same organisation (coordinators stay with it), and its next
    item in the menu's order."""
    assert update.callback_query
    async with context.runtime.reads() as session:
        following, left = await report_menu.next_item(
            session, organisation_id, context.known_member, context.runtime.clock()
        )
    more = context.t("report.still_open", count=left) if left else context.t("report.all_done")
    markup = keyboards.after_saving(context.t, following.obligation_id if following else None)
    await update.callback_query.edit_message_text(text + "\n\n" + more, reply_markup=markup)


async def backlog(
    update: Update, context: BotContext, organisation_id: int, indicator_id: int
) -> int | None:
    """Read a backlog of the indicator and show what was understood; None if the text names
    no period with a value (then it is read as it would be otherwise)."""
    message = update.effective_message
    assert message and message.text
    async with context.runtime.reads() as session:
        understood = await report_backlog.understand(
            session,
            organisation_id,
            indicator_id,
            context.known_member,
            message.text,
            context.language,
            context.runtime.clock(),
        )
    if understood is None:
        return None
    draft = _draft(context)
    draft.clear()
    draft.update(
        organisation=organisation_id,
        indicator=indicator_id,
        backlog=[[t.obligation_id, t.period, t.value] for t in understood.taken],
    )
    parts = split_message(texts.backlog_text(context.t, understood, context.language))
    for part in parts[:-1]:
        await message.reply_text(part)
    markup = keyboards.backlog(context.t, any_taken=bool(understood.taken))
    await message.reply_text(parts[-1], reply_markup=markup)
    return State.BACKLOG


async def save_backlog(update: Update, context: BotContext) -> int:
    """[Alle speichern]: every value understood, in one transaction."""
    query = update.callback_query
    assert query
    draft = _draft(context)
    taken = [
        report_backlog.Taken(obligation_id=int(o), period=str(p), value=v)
        for o, p, v in draft.get("backlog", [])
    ]
    if not taken:
        raise DomainError("error.stale_button")
    organisation_id = int(draft.get("organisation", -1))
    async with context.runtime.sessions.begin() as session:
        count = await report_backlog.save_all(
            session, context.known_member, taken, context.runtime.clock()
        )
    draft.clear()
    await query.answer()
    periods = ", ".join(texts.period_label(t.period, context.language) for t in taken)
    text = context.t("report.backlog.saved", count=count, periods=periods)
    await _after_saving(update, context, text, organisation_id)
    return ConversationHandler.END


async def _say(update: Update, text: str, markup: Any) -> None:
    if update.callback_query:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        assert update.effective_message
        await update.effective_message.reply_text(text, reply_markup=markup)
