"""/missing (/ausstehend) for coordinators: who owes what for a period; nudge them with one
button, grant an organisation more time, close the period, waive earlier periods. Stateless
buttons, each checked."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InputFile, Update

from bot.i18n.formatting import format_date, format_number
from bot.presentation import reach as reach_texts
from bot.services.errors import DomainError
from bot.services.missing import completeness as service
from bot.services.missing import waivers
from bot.services.missing.completeness_export import completeness_table
from bot.services.obligations import ensure_obligations
from bot.services.outbox import local_zone
from bot.services.periods import Frequency, due_date_of, period_containing
from bot.telegram.context import BotContext
from handlers.missing import keyboards
from handlers.missing.texts import nudge_messages, overview
from handlers.missing.waiver_texts import CONFIRM, DONE, waiver_lines
from handlers.report.texts import period_label


async def show_latest(update: Update, context: BotContext) -> None:
    async with context.runtime.sessions.begin() as session:
        await ensure_obligations(session, context.runtime.clock())
        periods = await service.recent_periods(session, context.runtime.clock())
    if not periods:
        assert update.effective_message
        await update.effective_message.reply_text(context.t("missing.none"))
        return
    await _show(update, context, periods[0])


async def show_period(update: Update, context: BotContext) -> None:
    assert context.matches and update.callback_query
    await update.callback_query.answer()
    await _show(update, context, context.matches[0].group(1))


async def _show(update: Update, context: BotContext, period: str) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        found = await service.completeness(session, period)
    markup = keyboards.period_actions(context.t, found)
    await update.effective_message.reply_text(
        overview(context.t, found, context.language), reply_markup=markup
    )


async def choose_period(update: Update, context: BotContext) -> None:
    assert update.callback_query
    async with context.runtime.reads() as session:
        periods = await service.recent_periods(session, context.runtime.clock(), limit=8)
    labels = [(p, period_label(p, context.language)) for p in periods]
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(keyboards.periods(labels))


async def nudge(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    period = context.matches[0].group(1)
    render = nudge_messages(context.runtime.translator, period)
    async with context.runtime.sessions.begin() as session:
        done = await service.nudge(session, context.member, period, context.runtime.clock(), render)
    context.runtime.outbox_wake.set()
    await query.answer()
    if done.people:
        text = context.t(
            "missing.nudged",
            people=context.t("missing.nudged.people", count=done.people),
            organisations=context.t("missing.nudged.organisations", count=done.organisations),
        )
        if done.unreached:
            text += "\n\n" + reach_texts.unreached_note(context.t, done.unreached)
    elif done.unreached:
        text = context.t(
            "missing.nobody_reached", lines=reach_texts.lines(context.t, done.unreached)
        )
    else:
        text = context.t("missing.nobody_to_nudge")
    await update.effective_message.reply_text(text)


async def ask_extension(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    period = context.matches[0].group(1)
    async with context.runtime.reads() as session:
        found = await service.known_period(session, period)
    owing = {i.organisation_id: i.organisation_name for i in found.missing}
    markup, left_out = keyboards.extension_organisations(period, owing)
    await query.answer(context.t("missing.extension_more", count=left_out) if left_out else None)
    await query.edit_message_reply_markup(markup)


async def ask_days(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    period, organisation = context.matches[0].group(1), int(context.matches[0].group(2))
    await query.answer()
    await query.edit_message_reply_markup(
        keyboards.extension_days(context.t, period, organisation, service.EXTENSION_DAYS)
    )


async def extend(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    period, organisation = context.matches[0].group(1), int(context.matches[0].group(2))
    days = int(context.matches[0].group(3))
    async with context.runtime.sessions.begin() as session:
        extended = await service.extend(
            session, context.member, organisation, period, days, context.runtime.clock()
        )
        zone = await local_zone(session)
        found = await service.completeness(session, period)
    await query.answer()
    await query.edit_message_reply_markup(keyboards.period_actions(context.t, found))
    until = format_date(due_date_of(extended.until, zone), context.language)
    await update.effective_message.reply_text(
        context.t(
            "missing.extended",
            organisation=extended.organisation_name,
            period=period_label(period, context.language),
            count=days,
            until=until,
        )
    )


async def ask_close(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    period = context.matches[0].group(1)
    async with context.runtime.reads() as session:
        await service.known_period(session, period)
    await query.answer()
    await update.effective_message.reply_text(
        context.t("missing.asks_close", period=period_label(period, context.language)),
        reply_markup=keyboards.confirm_close(context.t, period),
    )


async def close(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    period = context.matches[0].group(1)
    async with context.runtime.sessions.begin() as session:
        await service.close(session, context.member, period, context.runtime.clock())
    await query.answer()
    await query.edit_message_text(
        context.t("missing.closed", period=period_label(period, context.language))
    )


async def send_file(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    period, language = context.matches[0].group(1), context.language
    async with context.runtime.reads() as session:
        status = await completeness_table(session, period, language)
    content = status.table.file("xlsx", language, context.t("missing.sheet"))
    await query.answer()
    await update.effective_message.reply_document(
        InputFile(content, filename=f"{context.t('missing.file_name')}-{period}.xlsx"),
        caption=context.t(
            "missing.file_caption",
            period=period_label(period, language),
            missing=status.missing,
            count=len(status.table.rows),
        ),
    )


async def ask_waiver(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and update.effective_message
    async with context.runtime.reads() as session:
        choices = await waivers.cut_offs(session, context.member, context.runtime.clock())
    await query.answer()
    if not choices:
        await update.effective_message.reply_text(context.t("missing.waive.none"))
        return
    language = context.language
    labels = [
        (
            day,
            context.t(
                "missing.waive.choice",
                month=period_label(_month_before(day), language),
                count=format_number(count, language),
            ),
        )
        for day, count in choices
    ]
    await update.effective_message.reply_text(
        context.t("missing.waive.ask"), reply_markup=keyboards.waiver_days(labels)
    )


async def confirm_waiver(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    before = _day(context)
    async with context.runtime.reads() as session:
        found = await waivers.waivable(session, context.member, before, context.runtime.clock())
    await query.answer()
    lines = waiver_lines(context.t, found, context.language, CONFIRM)
    await query.edit_message_text(
        "\n".join([*lines, context.t("missing.waive.explain")]),
        reply_markup=keyboards.confirm_waiver(context.t, before),
    )


async def waive(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    before = _day(context)
    async with context.runtime.sessions.begin() as session:
        done = await waivers.waive(session, context.member, before, context.runtime.clock())
    await query.answer()
    head, *_ = waiver_lines(context.t, done, context.language, DONE)
    await query.edit_message_text(head)


async def cancel_waiver(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(context.t("missing.waive.cancelled"))


def _day(context: BotContext) -> date:
    assert context.matches
    try:
        return date.fromisoformat(context.matches[0].group(1))
    except ValueError:
        raise DomainError("error.stale_button") from None


def _month_before(day: date) -> str:
    """The monthly period that ends the day before `day` (a cut-off is a month's first)."""
    return period_containing(Frequency.MONTHLY, day - timedelta(days=1)).code
