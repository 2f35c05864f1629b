"""/missing (/ausstehend) for coordinators: who owes what for a period; nudge them with one
button, grant an organisation more time, close the period. Stateless buttons, each checked."""

from __future__ import annotations

from telegram import InputFile, Update

from bot import missing_keyboards as keyboards
from bot import reach_texts
from bot.context import BotContext
from bot.formatting import format_date, format_number, split_message
from bot.missing_texts import nudge_messages, overview
from bot.report_texts import period_label
from bot.services import completeness as service
from bot.services.completeness_export import completeness_table
from bot.services.obligations import ensure_obligations
from bot.services.outbox import local_zone
from bot.services.periods import due_date_of


async def show_latest(update: Update, context: BotContext) -> None:
    service.require_coordinator(context.member)
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
    service.require_coordinator(context.member)
    await update.callback_query.answer()
    await _show(update, context, context.matches[0].group(1))


async def _show(update: Update, context: BotContext, period: str) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        found = await service.completeness(session, period)
    parts = split_message(overview(context.t, found, context.language))
    for part in parts[:-1]:
        await update.effective_message.reply_text(part)
    markup = keyboards.period_actions(context.t, found)
    await update.effective_message.reply_text(parts[-1], reply_markup=markup)


async def choose_period(update: Update, context: BotContext) -> None:
    assert update.callback_query
    service.require_coordinator(context.member)
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
        text = context.t("missing.nudged", people=done.people, organisations=done.organisations)
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
    service.require_coordinator(context.member)
    period = context.matches[0].group(1)
    async with context.runtime.reads() as session:
        found = await service.known_period(session, period)
    owing = {i.organisation_id: i.organisation_name for i in found.missing}
    await query.answer()
    await query.edit_message_reply_markup(keyboards.extension_organisations(period, owing))


async def ask_days(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    service.require_coordinator(context.member)
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
            days=format_number(days, context.language),
            until=until,
        )
    )


async def ask_close(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    service.require_coordinator(context.member)
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
    service.require_coordinator(context.member)
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
            total=len(status.table.rows),
        ),
    )
