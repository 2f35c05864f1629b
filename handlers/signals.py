"""/signals (/signale) for coordinators: the open early-warning signals, most serious first,
each with its reason and figures, to acknowledge or to put off for a while."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.formatting import format_date
from bot.services import signals
from bot.services.members import require_coordinator
from bot.services.signals import OpenSignal, Thresholds

REFUSAL = "signals.not_for_you"
SHOWN = 10


def thresholds(context: BotContext) -> Thresholds:
    config = context.runtime.settings.signals
    return Thresholds(config.overdue_days, config.silent_weeks, config.snooze_days)


def _text(context: BotContext, signal: OpenSignal) -> str:
    since = format_date(signal.opened_on, context.language)
    values = {
        "organisation": signal.organisation or context.t("signals.initiative"),
        "value": int(signal.value) if signal.value is not None else "–",
        "baseline": int(signal.baseline_value) if signal.baseline_value is not None else "–",
        "since": since,
        **{k: v for k, v in signal.details.items() if isinstance(v, int | str)},
    }
    if signal.reason_code == "silent" and signal.value is None:
        return context.t("signals.reason.silent_never", **values)
    return context.t(f"signals.reason.{signal.reason_code}", **values)


def _buttons(context: BotContext, signal: OpenSignal) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.t("signals.button.seen"), callback_data=f"sig:a:{signal.id}"
                ),
                InlineKeyboardButton(
                    context.t("signals.button.later"), callback_data=f"sig:s:{signal.id}"
                ),
            ]
        ]
    )


async def show(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message
    runtime = context.runtime
    async with runtime.sessions.begin() as session:
        await signals.refresh(session, runtime.today(), thresholds(context))
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
        await message.reply_text(_text(context, signal), reply_markup=_buttons(context, signal))


async def acknowledge(update: Update, context: BotContext) -> None:
    require_coordinator(context.member, REFUSAL)
    query = update.callback_query
    assert query and context.matches
    async with context.runtime.sessions.begin() as session:
        await signals.acknowledge(session, int(context.matches[0].group(1)))
    await query.answer()
    await query.edit_message_text(context.t("signals.seen"))


async def snooze(update: Update, context: BotContext) -> None:
    require_coordinator(context.member, REFUSAL)
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
