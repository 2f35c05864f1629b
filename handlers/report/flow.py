"""/report (/melden), first half: which organisation (coordinators), what it owes, and
whether to correct what was already reported. The value itself: handlers/report/value.py."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.i18n.formatting import shorten
from bot.presentation.message_fit import and_more, split_message
from bot.services.members import is_coordinator
from bot.services.obligations import ensure_obligations, organisation_of, owing_organisations
from bot.services.outbox import local_zone
from bot.services.report import menu as report_menu
from bot.services.report import reporting
from bot.services.roster import OrganisationChoice
from bot.telegram.context import BotContext
from handlers.report import keyboards, texts
from handlers.report import value as report_value
from handlers.report.states import State
from handlers.report.texts import period_label, value_text
from handlers.report.value import NAME


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
        return State.CHOOSE_ORG
    return await show_owed(update, context, own)


async def chose_organisation(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.matches
    await update.callback_query.answer()
    return await show_owed(update, context, int(context.matches[0].group(1)))


async def show_owed(
    update: Update, context: BotContext, organisation_id: int, page: int = 0
) -> int:
    """The menu: per indicator its current (or latest open) period, paged."""
    assert update.effective_message and context.member
    now, language = context.runtime.clock(), context.language
    async with context.runtime.reads() as session:
        found = await report_menu.menu(session, organisation_id, context.member, now, page)
        zone = await local_zone(session)
    draft = _draft(context)
    draft.pop("indicator", None)
    draft.update(organisation=organisation_id)
    items = [
        (
            item.obligation_id,
            texts.item_label(context.t, item, language, now, zone),
            item.indicator_id,
            texts.older_label(context.t, item, language) if item.older_open else None,
        )
        for item in found.items
    ]
    markup = keyboards.menu(
        context.t, items, page=found.page, pages=found.pages, corrections=bool(found.recent)
    )
    await _show(update, texts.menu_text(context.t, found, language, now, zone), markup)
    return State.CHOOSE


async def menu_page(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.matches
    page = int(context.matches[0].group(1))
    organisation = _draft(context).get("organisation", -1)
    state = await show_owed(update, context, organisation, page)
    await update.callback_query.answer()
    return state


async def indicator_page(update: Update, context: BotContext) -> int:
    """One indicator's open periods, latest first: where older ones and backlogs are entered."""
    query = update.callback_query
    assert query and context.matches and context.member
    indicator_id, page = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    organisation = _draft(context).get("organisation", -1)
    now, language = context.runtime.clock(), context.language
    async with context.runtime.reads() as session:
        found = await report_menu.indicator_items(
            session, organisation, indicator_id, context.member, page
        )
        zone = await local_zone(session)
        name = await report_menu.indicator_name(session, indicator_id, language)
    _draft(context).update(indicator=indicator_id)
    items = [
        (i.obligation_id, texts.item_label(context.t, i, language, now, zone)) for i in found.items
    ]
    markup = keyboards.indicator(context.t, indicator_id, items, page=found.page, pages=found.pages)
    await query.answer()
    await _show(update, texts.indicator_text(context.t, found, name), markup)
    return State.CHOOSE


async def typed(update: Update, context: BotContext) -> int:
    """Text in the menu: a backlog of the indicator shown, else a search."""
    message = update.effective_message
    assert message and message.text and context.member
    draft = _draft(context)
    if "indicator" in draft:
        state = await report_value.backlog(
            update, context, draft.get("organisation", -1), draft["indicator"]
        )
        if state is not None:
            return state
    now, language = context.runtime.clock(), context.language
    async with context.runtime.reads() as session:
        found = await report_menu.search(
            session, draft.get("organisation", -1), context.member, message.text
        )
        zone = await local_zone(session)
    if not found:
        await message.reply_text(context.t("report.nothing_found", typed=shorten(message.text, 60)))
        return State.CHOOSE
    if len(found) == 1:
        return await _open_item(update, context, found[0].obligation_id)
    shown = found[: report_menu.FOUND]
    items = [(i.obligation_id, texts.item_label(context.t, i, language, now, zone)) for i in shown]
    key = "report.found_more" if len(found) > len(shown) else "report.found"
    await message.reply_text(
        context.t(key, count=len(shown)), reply_markup=keyboards.found(context.t, items)
    )
    return State.CHOOSE


async def corrections(update: Update, context: BotContext) -> int:
    assert update.callback_query and context.member
    now, language = context.runtime.clock(), context.language
    async with context.runtime.reads() as session:
        name, found = await report_menu.corrections(
            session, _draft(context).get("organisation", -1), context.member
        )
        zone = await local_zone(session)
    items = [(i.obligation_id, texts.fix_label(context.t, i, language, now, zone)) for i in found]
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        context.t("report.asks_correction_item", organisation=name),
        reply_markup=keyboards.owed(context.t, items, corrections=False),
    )
    return State.CHOOSE


async def chose_item(update: Update, context: BotContext) -> int:
    """An obligation was chosen: ask for its value, or first whether to correct it."""
    query = update.callback_query
    assert query and context.matches
    state = await _open_item(update, context, int(context.matches[0].group(1)))
    await query.answer()
    return state


async def _open_item(update: Update, context: BotContext, obligation_id: int) -> int:
    async with context.runtime.reads() as session:
        asked = await reporting.question(session, obligation_id, context.member)
    draft = _draft(context)
    draft.clear()
    # The organisation stays: "back to the overview" and the next item are its.
    draft.update(
        obligation=asked.obligation_id,
        seen_revision=asked.revision,
        organisation=asked.organisation_id,
    )
    if not asked.revision:
        return await report_value.ask_value(update, context, asked)
    text = context.t(
        "report.already_reported",
        name=asked.name(context.language),
        period=period_label(asked.period, context.language),
        value=value_text(context.t, asked, asked.latest_value, context.language),
    )
    await _show(update, text, keyboards.correction(context.t))
    return State.CORRECT


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


async def done(update: Update, context: BotContext) -> int:
    """[Fertig] under a saved value: the buttons go, the message stays."""
    assert update.callback_query
    _draft(context).clear()
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(reply_markup=None)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    assert update.callback_query
    _draft(context).clear()
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.t("report.cancelled"))
    return ConversationHandler.END
