"""/activity (/aktivitaet): log an activity in a minute - title, day, goal, target group,
district, reach, partners, description, summary - then who else is active there."""

from __future__ import annotations

from datetime import date, timedelta
from enum import IntEnum
from typing import Any, ClassVar

from pydantic import Field
from telegram import Update
from telegram.ext import ConversationHandler

from bot.presentation.message_fit import and_more
from bot.services import typed_dates
from bot.services.activity import activities
from bot.services.activity.activities import Choices, NewActivity
from bot.services.errors import DomainError
from bot.telegram.context import BotContext
from bot.telegram.drafts import Draft, StaleDraft, drop_draft, read_draft, write_draft
from handlers.activity import keyboards
from handlers.activity.callbacks import (
    NoDescription,
    NoReach,
)
from handlers.activity.texts import hints_text, summary_text

NAME = "activity"


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    TITLE = 0
    DAY = 1
    GOAL = 2
    GROUP = 3
    GROUP_OTHER = 4
    DISTRICT = 5
    DISTRICT_OTHER = 6
    REACH = 7
    PARTNERS = 8
    TEXT = 9
    CONFIRM = 10
    EDIT = 11


# The field `date` keeps the key drafts were stored under; it hides the type in the class body.
Day = date


class ActivityDraft(Draft):
    """The activity told so far; the summary needs at least its title, day and goal."""

    key: ClassVar[str] = NAME

    title: str = ""
    date: Day | None = None
    goal: str = ""
    target_group: str | None = None
    district: str | None = None
    reach: int | None = None
    partners: list[str] = Field(default_factory=list)
    description: str = ""


def _update(context: BotContext, **told: object) -> None:
    write_draft(context, read_draft(context, ActivityDraft).model_copy(update=told))


async def _choices(context: BotContext) -> Choices:
    async with context.runtime.reads() as session:
        return await activities.choices(session, context.known_member)


async def _say(update: Update, text: str, **kwargs: Any) -> None:
    """Answer a button by editing its message, a typed message by a new one."""
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(text, **kwargs)
    else:
        assert update.effective_message
        await update.effective_message.reply_text(text, **kwargs)


def _with_more(context: BotContext, key: str, left_out: int) -> str:
    """The question and, when not every choice got a button, how many are missing."""
    return and_more(
        context.t(key), left_out, lambda count: context.t("activity.more_buttons", count=count)
    )


async def start(update: Update, context: BotContext) -> int:
    assert update.effective_message
    write_draft(context, ActivityDraft())
    async with context.runtime.reads() as session:
        own = await activities.own_recent(session, context.known_member, context.runtime.clock())
    await update.effective_message.reply_text(
        context.t("activity.asks_title", limit=activities.TITLE_LIMIT),
        reply_markup=keyboards.start(context.t, bool(own)),
    )
    return State.TITLE


async def got_title(update: Update, context: BotContext) -> int:
    assert update.effective_message
    title = activities.checked_text(update.effective_message.text or "", activities.TITLE_LIMIT)
    _update(context, title=title)
    await _say(update, context.t("activity.asks_date"), reply_markup=keyboards.days(context.t))
    return State.DAY


async def got_day(update: Update, context: BotContext) -> int:
    today = context.runtime.today()
    if update.callback_query:
        assert context.matches
        day = today - timedelta(days=int(context.matches[0].group(1)))
    else:
        assert update.effective_message
        day = typed_dates.parse_day(update.effective_message.text or "", context.language, today)
    _update(context, date=day)
    choices = await _choices(context)
    if not choices.goals:
        raise DomainError("activity.no_goals")
    markup, left_out = keyboards.goals(context.t, choices.goals, context.language)
    await _say(update, _with_more(context, "activity.asks_goal", left_out), reply_markup=markup)
    return State.GOAL


async def got_goal(update: Update, context: BotContext) -> int:
    assert context.matches
    code = context.matches[0].group(1)
    choices = await _choices(context)
    if code not in {goal[0] for goal in choices.goals}:
        raise DomainError("error.stale_button")
    _update(context, goal=code)
    await _say(
        update,
        context.t("activity.asks_group"),
        reply_markup=keyboards.names(context.t, "tg", choices.target_groups),
    )
    return State.GROUP


def _named(context: BotContext, options: list[str]) -> str | bool | None:
    """The picked name, None for "no answer", False when "other" was chosen."""
    assert context.matches
    picked = context.matches[0].group(1)
    if picked == "none":
        return None
    if picked == "other":
        return False
    index = int(picked)
    if index >= len(options):
        raise DomainError("error.stale_button")
    return options[index]


async def got_group(update: Update, context: BotContext) -> int:
    choices = await _choices(context)
    picked = _named(context, choices.target_groups)
    if picked is False:
        await _say(update, context.t("activity.asks_group_other"))
        return State.GROUP_OTHER
    _update(context, target_group=picked)
    return await _ask_district(update, context, choices)


async def got_group_other(update: Update, context: BotContext) -> int:
    assert update.effective_message
    group = activities.checked_text(update.effective_message.text or "", activities.NAME_LIMIT)
    _update(context, target_group=group)
    return await _ask_district(update, context, await _choices(context))


async def _ask_district(update: Update, context: BotContext, choices: Choices) -> int:
    await _say(
        update,
        context.t("activity.asks_district"),
        reply_markup=keyboards.names(context.t, "di", choices.districts),
    )
    return State.DISTRICT


async def got_district(update: Update, context: BotContext) -> int:
    choices = await _choices(context)
    picked = _named(context, choices.districts)
    if picked is False:
        await _say(update, context.t("activity.asks_district_other"))
        return State.DISTRICT_OTHER
    _update(context, district=picked)
    return await _ask_reach(update, context)


async def got_district_other(update: Update, context: BotContext) -> int:
    assert update.effective_message
    district = activities.checked_text(update.effective_message.text or "", activities.NAME_LIMIT)
    _update(context, district=district)
    return await _ask_reach(update, context)


async def _ask_reach(update: Update, context: BotContext) -> int:
    await _say(
        update,
        context.t("activity.asks_reach", max=activities.REACH_MAX),
        reply_markup=keyboards.skip(context.t, NoReach().pack()),
    )
    return State.REACH


async def got_reach(update: Update, context: BotContext) -> int:
    if update.callback_query:
        _update(context, reach=None)
    else:
        assert update.effective_message
        _update(context, reach=activities.parse_reach(update.effective_message.text or ""))
    return await _ask_partners(update, context)


async def _ask_partners(update: Update, context: BotContext) -> int:
    choices = await _choices(context)
    chosen = read_draft(context, ActivityDraft).partners
    markup, left_out = keyboards.partners(context.t, choices.partners, chosen)
    text = _with_more(context, "activity.asks_partners", left_out)
    await _say(update, text, reply_markup=markup)
    return State.PARTNERS


async def toggle_partner(update: Update, context: BotContext) -> int:
    assert context.matches
    code = context.matches[0].group(1)
    if code not in {c for c, _ in (await _choices(context)).partners}:
        raise DomainError("error.stale_button")
    draft = read_draft(context, ActivityDraft)
    if code in draft.partners:
        draft.partners.remove(code)
    else:
        draft.partners.append(code)
    write_draft(context, draft)
    return await _ask_partners(update, context)


async def partners_done(update: Update, context: BotContext) -> int:
    await _say(
        update,
        context.t("activity.asks_description", limit=activities.DESCRIPTION_LIMIT),
        reply_markup=keyboards.skip(context.t, NoDescription().pack()),
    )
    return State.TEXT


async def got_description(update: Update, context: BotContext) -> int:
    if update.callback_query:
        _update(context, description="")
    else:
        assert update.effective_message
        text = update.effective_message.text or ""
        _update(context, description=activities.checked_text(text, activities.DESCRIPTION_LIMIT))
    new = _new(context)
    choices = await _choices(context)
    await _say(
        update,
        summary_text(context.t, new, choices, context.language),
        reply_markup=keyboards.confirm(context.t),
    )
    return State.CONFIRM


def _new(context: BotContext) -> NewActivity:
    draft = read_draft(context, ActivityDraft)
    if not draft.title or draft.date is None or not draft.goal:
        raise StaleDraft  # not told in this conversation: as good as no draft
    return NewActivity(
        title=draft.title,
        activity_date=draft.date,
        goal_code=draft.goal,
        target_group=draft.target_group,
        district=draft.district,
        reach=draft.reach,
        partner_codes=tuple(draft.partners),
        description=draft.description,
    )


async def save(update: Update, context: BotContext) -> int:
    new = _new(context)
    async with context.runtime.sessions.begin() as session:
        logged = await activities.log_activity(
            session, context.known_member, new, context.runtime.clock()
        )
    drop_draft(context, ActivityDraft)
    text = context.t("activity.saved", title=new.title)
    if logged.hints:
        text += "\n\n" + hints_text(context.t, logged.hints)
    await _say(update, text)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    drop_draft(context, ActivityDraft)
    await _say(update, context.t("activity.cancelled"))
    return ConversationHandler.END
