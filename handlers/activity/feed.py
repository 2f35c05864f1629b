"""/activities (/aktivitaeten): the initiative's recent activities, by goal or organisation,
and for coordinators the gaps. Every button here is stateless and checked on each press:
`acf:<a|g|o>:<id>:<offset>` shows a page (all, one goal, one organisation), `acf:goals` and
`acf:orgs` offer the filters, `acf:gaps` the gaps."""

from __future__ import annotations

import html
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n.formatting import format_date
from bot.presentation.keyboards import Translate
from bot.presentation.message_fit import and_more, fit_keyboard, split_message
from bot.services.activity import feed as service
from bot.services.activity.feed import FeedItem, Filters
from bot.services.errors import DomainError
from bot.services.members import is_coordinator
from bot.telegram.context import BotContext
from handlers.activity.callbacks import (
    FeedGaps,
    FeedGoals,
    FeedOrganisations,
    FeedPage,
)
from handlers.activity.format import reach_text

ALL, GOAL, ORGANISATION = "a", "g", "o"


def _button(t: Translate, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(key), callback_data=data)


async def feed(update: Update, context: BotContext) -> None:
    await _page(update, context, ALL, 0, 0)


async def page(update: Update, context: BotContext) -> None:
    assert update.callback_query and context.matches
    found = context.matches[0]
    kind, chosen, offset = found.group(1), int(found.group(2)), int(found.group(3))
    await _page(update, context, kind, chosen, offset)
    await update.callback_query.answer()


async def choose_goal(update: Update, context: BotContext) -> None:
    await _choose(update, context, GOAL)


async def choose_organisation(update: Update, context: BotContext) -> None:
    await _choose(update, context, ORGANISATION)


async def gaps(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and update.effective_message
    async with context.runtime.reads() as session:
        today = await service.local_today(session, context.runtime.clock())
        found = await service.gaps(session, today)
    t, language = context.t, context.language
    lines = [t("activities.gaps.title", date=format_date(today, language)), ""]
    if found.goals:
        lines.append(t("activities.gaps.goals", count=found.weeks))
        for gap in found.goals:
            goal = gap.goal.title(language)
            if gap.last_activity is None:
                lines.append(t("activities.gaps.goal_never", goal=goal))
            else:
                last = format_date(gap.last_activity, language)
                lines.append(t("activities.gaps.goal_last", goal=goal, date=last))
    else:
        lines.append(t("activities.gaps.goals_none", count=found.weeks))
    if found.has_districts:
        lines.append("")
        if found.districts:
            lines.append(t("activities.gaps.districts"))
            lines.extend(t("activities.gaps.district", district=d) for d in found.districts)
        else:
            lines.append(t("activities.gaps.districts_none"))
    await query.answer()
    for part in split_message("\n".join(lines)):
        await update.effective_message.reply_text(part)


async def _choose(update: Update, context: BotContext, kind: str) -> None:
    query = update.callback_query
    assert query and update.effective_message
    async with context.runtime.reads() as session:
        offered = await service.filters(session)
    if kind == GOAL:
        choices = [(g.id, g.title(context.language)) for g in offered.goals]
        question = "activities.choose_goal"
    else:
        choices = [(o.id, o.name) for o in offered.organisations]
        question = "activities.choose_organisation"
    if not choices:
        raise DomainError("error.stale_button")
    rows, left_out = fit_keyboard(
        [
            InlineKeyboardButton(label, callback_data=FeedPage(kind, choice, 0).pack())
            for choice, label in choices
        ],
        reserved=1,
    )
    rows.append([_button(context.t, "activities.button.all", FeedPage(ALL, 0, 0).pack())])
    text = and_more(
        context.t(question),
        left_out,
        lambda count: context.t("activities.more_choices", count=count),
    )
    await query.answer()
    await update.effective_message.reply_text(text, reply_markup=InlineKeyboardMarkup(rows))


async def _page(update: Update, context: BotContext, kind: str, chosen: int, offset: int) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        offered = await service.filters(session)
        title = _title(context, offered, kind, chosen)
        items, more = await service.feed(
            session,
            goal_id=chosen if kind == GOAL else None,
            organisation_id=chosen if kind == ORGANISATION else None,
            offset=offset,
            limit=service.PAGE,
        )
        today = await service.local_today(session, context.runtime.clock())
    if not items:
        key = "activities.none" if kind == ALL and offset == 0 else "activities.none_here"
        await update.effective_message.reply_text(context.t(key))
        return
    entries = [_item(context, item, today) for item in items]
    parts = split_message("\n\n".join([title, *entries]))
    for part in parts[:-1]:
        await update.effective_message.reply_text(part)
    older = FeedPage(kind, chosen, offset + service.PAGE).pack() if more else None
    markup = _keyboard(context, kind, older)
    await update.effective_message.reply_text(parts[-1], reply_markup=markup)


def _title(context: BotContext, offered: Filters, kind: str, chosen: int) -> str:
    """The page's heading; a goal or organisation that is not offered is a stale button."""
    if kind == GOAL:
        goal = next((g for g in offered.goals if g.id == chosen), None)
        if goal is None:
            raise DomainError("error.stale_button")
        return context.t("activities.title_goal", goal=goal.title(context.language))
    if kind == ORGANISATION:
        organisation = next((o for o in offered.organisations if o.id == chosen), None)
        if organisation is None:
            raise DomainError("error.stale_button")
        return context.t("activities.title_organisation", organisation=organisation.name)
    return context.t("activities.title")


def _item(context: BotContext, item: FeedItem, today: date) -> str:
    t, language = context.t, context.language
    day = format_date(item.day, language)
    if item.day > today:
        day = t("activities.planned", date=day)
    lines = [
        t("activities.item", date=day, organisation=item.organisation, title=item.title),
        t("activities.goal", goal=item.goal_title(language)),
    ]
    where = [
        t(key, value=value)
        for key, value in (
            ("activities.target_group", item.target_group),
            ("activities.district", item.district),
        )
        if value
    ]
    reach = reach_text(item.reach, language)
    if reach is not None:
        where.append(t("activities.reach", reach=reach))
    if where:
        lines.append(" · ".join(where))
    if item.partners:
        lines.append(t("activities.partners", partners=", ".join(item.partners)))
    if item.description.strip():
        lines.append(html.escape(service.preview(item.description), quote=False))
    return "\n".join(lines)


def _keyboard(context: BotContext, kind: str, older: str | None) -> InlineKeyboardMarkup:
    t = context.t
    rows = [
        [
            _button(t, "activities.button.by_goal", FeedGoals().pack()),
            _button(t, "activities.button.by_organisation", FeedOrganisations().pack()),
        ]
    ]
    if older is not None:
        rows.append([_button(t, "activities.button.older", older)])
    if kind != ALL:
        rows.append([_button(t, "activities.button.all", FeedPage(ALL, 0, 0).pack())])
    if is_coordinator(context.member):
        rows.append([_button(t, "activities.button.gaps", FeedGaps().pack())])
    return InlineKeyboardMarkup(rows)
