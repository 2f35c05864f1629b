"""/signals (/signale) for coordinators: the open early-warning signals, most serious first,
each with its reason and figures, to acknowledge or to put off for a while."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import Html
from bot.i18n.formatting import format_date
from bot.presentation import reach as reach_texts
from bot.presentation.message_fit import fit_list
from bot.services.signals import actions as signal_actions
from bot.services.signals import signals
from bot.services.signals.signals import OpenSignal
from bot.telegram.context import BotContext
from handlers.signals.callbacks import Ask, Details, Later, Seen
from handlers.signals.texts import check_in_messages, reason_text, thresholds

SHOWN = 10
# What the reporting contacts' names may fill of an organisation's details.
CONTACTS_LIMIT = 2000


def _buttons(context: BotContext, signal: OpenSignal) -> InlineKeyboardMarkup:
    def button(key: str, kind: type[Seen | Later | Details | Ask]) -> InlineKeyboardButton:
        return InlineKeyboardButton(context.t(key), callback_data=kind(signal.id).pack())

    rows = [[button("signals.button.seen", Seen), button("signals.button.later", Later)]]
    if signal.organisation is not None:
        rows.append([button("signals.button.details", Details), button("signals.button.ask", Ask)])
    return InlineKeyboardMarkup(rows)


async def show(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message
    runtime = context.runtime
    async with runtime.sessions.begin() as session:
        await signals.refresh(session, runtime.today(), thresholds(runtime.settings.signals))
        found = await signals.overview(session)
    head = context.t(
        "signals.head",
        count=len(found.open),
        seen=found.acknowledged,
        later=found.snoozed,
    )
    if not found.open:
        head = context.t("signals.none", seen=found.acknowledged, later=found.snoozed)
    await message.reply_text(head)
    for signal in found.open[:SHOWN]:
        text = reason_text(context.t, signal, context.language)
        await message.reply_text(text, reply_markup=_buttons(context, signal))


async def acknowledge(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    async with context.runtime.sessions.begin() as session:
        await signals.acknowledge(session, int(context.matches[0].group(1)))
    await query.answer()
    await query.edit_message_text(context.t("signals.seen"))


async def snooze(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    runtime = context.runtime
    async with runtime.sessions.begin() as session:
        until = await signals.snooze(
            session,
            int(context.matches[0].group(1)),
            runtime.today(),
            runtime.settings.signals.snooze_days,
        )
    await query.answer()
    await query.edit_message_text(
        context.t("signals.later", until=format_date(until, context.language))
    )


async def organisation(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    async with context.runtime.reads() as session:
        found = await signal_actions.details(session, int(context.matches[0].group(1)))
    language, never = context.language, context.t("signals.never")
    await query.answer()
    await update.effective_message.reply_text(
        context.t(
            "signals.details",
            name=found.name,
            members=found.members,
            contacts=_contacts(context, found.contacts),
            last_active=format_date(found.last_active, language) if found.last_active else never,
            last_activity=(
                format_date(found.last_activity, language) if found.last_activity else never
            ),
        )
    )


def _contacts(context: BotContext, names: list[str]) -> str:
    if not names:
        return context.t("signals.no_contacts")
    return Html(
        fit_list(
            [html.escape(name, quote=False) for name in names],
            lambda count: context.t("signals.more_contacts", count=count),
            separator=", ",
            limit=CONTACTS_LIMIT,
        )
    )


async def ask(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    runtime = context.runtime
    async with runtime.sessions.begin() as session:
        done = await signal_actions.check_in(
            session,
            int(context.matches[0].group(1)),
            check_in_messages(runtime.translator),
            runtime.clock(),
        )
    runtime.outbox_wake.set()
    if done.asked or done.unreached is None:
        await query.answer(
            context.t("signals.asked", organisation=done.organisation, count=done.asked)
        )
        return
    reason = reach_texts.reason(context.t, done.unreached.value)
    await query.answer(
        context.t("signals.asked_nobody", organisation=done.organisation, reason=Html(reason)),
        show_alert=True,
    )
