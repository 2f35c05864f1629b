"""/activity (/aktivitaet): log an activity in a minute - title, day, goal, target group,
district, reach, partners, description, summary - then who else is active there."""

from __future__ import annotations

from datetime import date, timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.presentation.message_fit import and_more
from bot.services import typed_dates
from bot.services.activity import activities
from bot.services.activity.activities import Choices, NewActivity
from bot.services.errors import DomainError
from bot.telegram.context import BotContext
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


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft = context.user_data.setdefault(NAME, {})
    assert isinstance(draft, dict)
    return draft


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
    assert update.effective_message and context.user_data is not None
    context.user_data[NAME] = {}
    async with context.runtime.reads() as session:
        own = await activities.own_recent(session, context.known_member, context.runtime.clock())
    await update.effective_message.reply_text(
        context.t("activity.asks_title", limit=activities.TITLE_LIMIT),
        reply_markup=keyboards.start(context.t, bool(own)),
    )
    return State.TITLE


async def got_title(update: Update, context: BotContext) -> int:
    assert update.effective_message
    _draft(context)["title"] = activities.checked_text(
        update.effective_message.text or "", activities.TITLE_LIMIT
    )
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
    _draft(context)["date"] = day.isoformat()
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
    _draft(context)["goal"] = code
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
    _draft(context)["target_group"] = picked
    return await _ask_district(update, context, choices)


async def got_group_other(update: Update, context: BotContext) -> int:
    assert update.effective_message
    _draft(context)["target_group"] = activities.checked_text(
        update.effective_message.text or "", activities.NAME_LIMIT
    )
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
    _draft(context)["district"] = picked
    return await _ask_reach(update, context)


async def got_district_other(update: Update, context: BotContext) -> int:
    assert update.effective_message
    _draft(context)["district"] = activities.checked_text(
        update.effective_message.text or "", activities.NAME_LIMIT
    )
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
        _draft(context)["reach"] = None
    else:
        assert update.effective_message
        _draft(context)["reach"] = activities.parse_reach(update.effective_message.text or "")
    return await _ask_partners(update, context)


async def _ask_partners(update: Update, context: BotContext) -> int:
    choices = await _choices(context)
    chosen = _draft(context).setdefault("partners", [])
    markup, left_out = keyboards.partners(context.t, choices.partners, chosen)
    text = _with_more(context, "activity.asks_partners", left_out)
    await _say(update, text, reply_markup=markup)
    return State.PARTNERS


async def toggle_partner(update: Update, context: BotContext) -> int:
    assert context.matches
    code = context.matches[0].group(1)
    if code not in {c for c, _ in (await _choices(context)).partners}:
        raise DomainError("error.stale_button")
    chosen: list[str] = _draft(context).setdefault("partners", [])
    if code in chosen:
        chosen.remove(code)
    else:
        chosen.append(code)
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
        _draft(context)["description"] = ""
    else:
        assert update.effective_message
        _draft(context)["description"] = activities.checked_text(
            update.effective_message.text or "", activities.DESCRIPTION_LIMIT
        )
    new = _new(context)
    choices = await _choices(context)
    await _say(
        update,
        summary_text(context.t, new, choices, context.language),
        reply_markup=keyboards.confirm(context.t),
    )
    return State.CONFIRM


def _new(context: BotContext) -> NewActivity:
    draft = _draft(context)
    return NewActivity(
        title=draft["title"],
        activity_date=date.fromisoformat(draft["date"]),
        goal_code=draft["goal"],
        target_group=draft.get("target_group"),
        district=draft.get("district"),
        reach=draft.get("reach"),
        partner_codes=tuple(draft.get("partners", [])),
        description=draft.get("description", ""),
    )


async def save(update: Update, context: BotContext) -> int:
    assert context.user_data is not None
    new = _new(context)
    async with context.runtime.sessions.begin() as session:
        logged = await activities.log_activity(
            session, context.known_member, new, context.runtime.clock()
        )
    context.user_data.pop(NAME, None)
    text = context.t("activity.saved", title=new.title)
    if logged.hints:
        text += "\n\n" + hints_text(context.t, logged.hints)
    await _say(update, text)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(NAME, None)
    await _say(update, context.t("activity.cancelled"))
    return ConversationHandler.END
