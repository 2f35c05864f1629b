"""/report (/melden), first half: which organisation (coordinators), what it owes, and
whether to correct what was already reported. The value itself: handlers/report_value.py."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot import report_keyboards as keyboards
from bot.context import BotContext
from bot.message_fit import and_more, split_message
from bot.report_texts import button_label, owed_value, period_label, value_text
from bot.services import reporting
from bot.services.members import is_coordinator
from bot.services.obligations import (
    ensure_obligations,
    organisation_of,
    overview,
    owing_organisations,
)
from bot.services.outbox import local_zone
from bot.services.periods import Period, short_label
from bot.services.roster import OrganisationChoice
from handlers import report_value
from handlers.report_value import CONFIRM, CORRECT, NAME, NOTE, NOTE_REQUIRED, PICK, VALUE

CHOOSE_ORG, CHOOSE = range(8, 10)
__all__ = ["CHOOSE", "CHOOSE_ORG", "CONFIRM", "CORRECT", "NOTE", "NOTE_REQUIRED", "PICK", "VALUE"]
RECENT = 5


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(NAME, {})
    return draft


async def start(update: Update, context: BotContext) -> int:
    assert update.effective_message and context.member
    _draft(context).clear()
    async with context.runtime.sessions.begin() as session:
        await ensure_obligations(session, context.runtime.clock())
        own = await organisation_of(session, context.member.organisation_code)
        choices = await owing_organisations(session)
    if is_coordinator(context.member):
        markup, left_out = keyboards.organisations(
            context.t, [OrganisationChoice(id=i, code="", name=n) for i, n in choices]
        )
        text = and_more(
            context.t("report.asks_organisation"),
            left_out,
            lambda count: context.t("report.more_organisations", count=count),
        )
        await update.effective_message.reply_text(text, reply_markup=markup)
        return CHOOSE_ORG
    return await show_owed(update, context, own)


async def chose_organisation(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.matches
    await update.callback_query.answer()
    return await show_owed(update, context, int(context.matches[0].group(1)))


async def show_owed(update: Update, context: BotContext, organisation_id: int) -> int:
    assert update.effective_message
    now, language = context.runtime.clock(), context.language
    assert context.member
    async with context.runtime.reads() as session:
        found = await overview(session, organisation_id, context.member)
        zone = await local_zone(session)
    _draft(context)["organisation"] = organisation_id
    shown = found.open[: keyboards.MAX_ITEMS]
    items = [(o.obligation_id, button_label(context.t, o, language, now, zone)) for o in shown]
    key = "report.asks_item" if found.open else "report.nothing_open"
    lines = [context.t(key, organisation=found.organisation_name)]
    if len(found.open) > len(shown):
        lines.append(context.t("report.more_open", count=len(found.open) - len(shown)))
    if found.reported:
        lines.append("\n" + context.t("report.recent"))
        for owed, value in found.reported[:RECENT]:
            period = short_label(Period.parse(owed.period), language)
            shown_value = owed_value(context.t, owed.kind, owed.unit, value, language)
            lines.append(
                context.t(
                    "report.recent_line", name=owed.name(language), period=period, value=shown_value
                )
            )
    markup = keyboards.owed(context.t, items, corrections=bool(found.reported))
    await _show(update, "\n".join(lines), markup)
    return CHOOSE


async def corrections(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.member
    language = context.language
    async with context.runtime.reads() as session:
        found = await overview(session, _draft(context).get("organisation", -1), context.member)
    items = [
        (
            owed.obligation_id,
            context.t(
                "report.button.fix",
                name=owed.name(language),
                period=short_label(Period.parse(owed.period), language),
            ),
        )
        for owed, _ in found.reported[: keyboards.MAX_ITEMS]
    ]
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        context.t("report.asks_correction_item", organisation=found.organisation_name),
        reply_markup=keyboards.owed(context.t, items, corrections=False),
    )
    return CHOOSE


async def chose_item(update: Update, context: BotContext) -> int:
    """An obligation was chosen: ask for its value, or first whether to correct it."""
    query = update.callback_query
    assert query and context.matches
    async with context.runtime.reads() as session:
        asked = await reporting.question(session, int(context.matches[0].group(1)), context.member)
    draft = _draft(context)
    draft.clear()
    draft.update(obligation=asked.obligation_id, seen_revision=asked.revision)
    await query.answer()
    if not asked.revision:
        return await report_value.ask_value(update, context, asked)
    text = context.t(
        "report.already_reported",
        name=asked.name(context.language),
        period=period_label(asked.period, context.language),
        value=value_text(context.t, asked, asked.latest_value, context.language),
    )
    await query.edit_message_text(text, reply_markup=keyboards.correction(context.t))
    return CORRECT


async def _show(update: Update, text: str, markup: Any) -> None:
    """Edit the message under a pressed button; otherwise answer in new messages."""
    parts = split_message(text)
    if update.callback_query and len(parts) == 1:
        await update.callback_query.edit_message_text(parts[0], reply_markup=markup)
        return
    assert update.effective_message
    for part in parts[:-1]:
        await update.effective_message.reply_text(part)
    await update.effective_message.reply_text(parts[-1], reply_markup=markup)


async def cancel(update: Update, context: BotContext) -> int:
    assert update.callback_query
    _draft(context).clear()
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.t("report.cancelled"))
    return ConversationHandler.END
