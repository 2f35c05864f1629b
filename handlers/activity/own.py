"""The member's own recent activities, from /aktivitaet: change a field or delete one."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.i18n.formatting import format_date
from bot.services import typed_dates
from bot.services.activity import activities
from bot.services.errors import DomainError
from bot.telegram.context import BotContext
from handlers.activity import keyboards
from handlers.activity.record import NAME, State, _say


async def mine(update: Update, context: BotContext) -> int:
    async with context.runtime.reads() as session:
        own = await activities.own_recent(session, context.known_member, context.runtime.clock())
    entries = [
        (e.activity_id, f"{format_date(e.activity_date, context.language)} · {e.title}")
        for e in own
    ]
    await _say(update, context.t("activity.own"), reply_markup=keyboards.own(context.t, entries))
    return State.TITLE


def _id(context: BotContext) -> int:
    assert context.matches
    return int(context.matches[0].group(1))


async def show(update: Update, context: BotContext) -> int:
    async with context.runtime.reads() as session:
        found = await activities.editable(
            session, context.known_member, _id(context), context.runtime.clock()
        )
    await _say(
        update,
        context.t(
            "activity.own_entry",
            title=found.title,
            day=format_date(found.activity_date, context.language),
        ),
        reply_markup=keyboards.own_actions(context.t, found.id),
    )
    return State.TITLE


async def ask_delete(update: Update, context: BotContext) -> int:
    async with context.runtime.reads() as session:
        await activities.editable(
            session, context.known_member, _id(context), context.runtime.clock()
        )
    await _say(
        update,
        context.t("activity.asks_delete"),
        reply_markup=keyboards.confirm_delete(context.t, _id(context)),
    )
    return State.TITLE


async def delete(update: Update, context: BotContext) -> int:
    async with context.runtime.sessions.begin() as session:
        title = await activities.delete_activity(
            session, context.known_member, _id(context), context.runtime.clock()
        )
    await _say(update, context.t("activity.deleted", title=title))
    return ConversationHandler.END


async def ask_change(update: Update, context: BotContext) -> int:
    assert context.matches and context.user_data is not None
    activity_id, field = int(context.matches[0].group(1)), context.matches[0].group(2)
    if field not in activities.EDITABLE:
        raise DomainError("error.stale_button")
    async with context.runtime.reads() as session:
        await activities.editable(
            session, context.known_member, activity_id, context.runtime.clock()
        )
    context.user_data[NAME] = {"edit": activity_id, "field": field}
    await _say(update, context.t(f"activity.asks_new_{field}"))
    return State.EDIT


async def got_change(update: Update, context: BotContext) -> int:
    assert update.effective_message and context.user_data is not None
    draft: dict[str, Any] = context.user_data.get(NAME) or {}
    field, text = draft.get("field"), update.effective_message.text or ""
    value: object
    if field == "title":
        value = activities.checked_text(text, activities.TITLE_LIMIT)
    elif field == "date":
        value = typed_dates.parse_day(text, context.language, context.runtime.today())
    elif field == "reach":
        value = activities.parse_reach(text)
    elif field == "description":
        value = activities.checked_text(text, activities.DESCRIPTION_LIMIT)
    else:
        return ConversationHandler.END
    async with context.runtime.sessions.begin() as session:
        await activities.change_activity(
            session, context.known_member, int(draft["edit"]), field, value, context.runtime.clock()
        )
    context.user_data.pop(NAME, None)
    await update.effective_message.reply_text(context.t("activity.changed"))
    return ConversationHandler.END
