"""Adding a meeting or custom reminder in /erinnerungen: kind, rhythm, weekday, hour and
audience by buttons, then the text; stored as an RRULE and marked as made in chat."""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.services.reminders import reminders as service
from bot.telegram.context import BotContext
from bot.telegram.drafts import Draft, StaleDraft, drop_draft, read_draft, write_draft
from handlers.reminders.callbacks import (
    AddAudience,
    AddCancel,
    AddEvery,
    AddHour,
    AddKind,
    AddMonthly,
    AddNth,
    AddSave,
    AddWeekday,
)
from handlers.reminders.texts import rhythm_text


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    KIND = 20
    RHYTHM = 21
    NTH = 22
    WEEKDAY = 23
    HOUR = 24
    AUDIENCE = 25
    TEXT = 26
    CONFIRM = 27


NAME = "reminder_add"
HOURS = range(7, 21)
NTH_KEYS = {
    "1": "reminders.nth.first",
    "2": "reminders.nth.second",
    "3": "reminders.nth.third",
    "4": "reminders.nth.fourth",
    "-1": "reminders.nth.last",
}


class ReminderDraft(Draft):
    """What was chosen so far; None and "": not yet."""

    key: ClassVar[str] = NAME

    kind: str = ""
    every_weeks: int | None = None
    nth: int | None = None
    weekday: int | None = None
    hour: int | None = None
    audience: str = ""
    text: str = ""

    def reminder(self) -> service.NewReminder:
        """The reminder to save; its text is checked there. A draft without the choices
        before the text was not made in this conversation: as good as none."""
        if self.weekday is None or self.hour is None or not self.kind or not self.audience:
            raise StaleDraft
        return service.NewReminder(
            kind=self.kind,
            every_weeks=self.every_weeks,
            nth=self.nth,
            weekday=self.weekday,
            hour=self.hour,
            audience=self.audience,
            text=self.text,
        )


def _update(context: BotContext, **chosen: object) -> None:
    write_draft(context, read_draft(context, ReminderDraft).model_copy(update=chosen))


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def _ask(
    update: Update, context: BotContext, key: str, rows: list[list[tuple[str, str]]]
) -> None:
    assert update.callback_query
    await update.callback_query.answer()
    cancel = [(context.t("reminders.button.cancel"), AddCancel().pack())]
    await update.callback_query.edit_message_text(
        context.t(key), reply_markup=_markup([*rows, cancel])
    )


async def start(update: Update, context: BotContext) -> int:
    write_draft(context, ReminderDraft())
    t = context.t
    rows = [
        [
            (t("reminders.kind.meeting"), AddKind("meeting").pack()),
            (t("reminders.kind.custom"), AddKind("custom").pack()),
        ]
    ]
    await _ask(update, context, "reminders.asks_kind", rows)
    return State.KIND


async def chose_kind(update: Update, context: BotContext) -> int:
    assert context.matches
    _update(context, kind=context.matches[0].group(1))
    t = context.t
    rows = [
        [(t("reminders.every", count=n), AddEvery(n).pack()) for n in (1, 2)],
        [(t("reminders.every", count=n), AddEvery(n).pack()) for n in (3, 4)],
        [(t("reminders.monthly"), AddMonthly().pack())],
    ]
    await _ask(update, context, "reminders.asks_rhythm", rows)
    return State.RHYTHM


async def chose_every(update: Update, context: BotContext) -> int:
    assert context.matches
    _update(context, every_weeks=int(context.matches[0].group(1)), nth=None)
    return await _ask_weekday(update, context)


async def ask_nth(update: Update, context: BotContext) -> int:
    rows = [[(context.t(key), AddNth(n).pack()) for n, key in NTH_KEYS.items()]]
    await _ask(update, context, "reminders.asks_nth", rows)
    return State.NTH


async def chose_nth(update: Update, context: BotContext) -> int:
    assert context.matches
    _update(context, nth=int(context.matches[0].group(1)), every_weeks=None)
    return await _ask_weekday(update, context)


async def _ask_weekday(update: Update, context: BotContext) -> int:
    names = get_day_names("abbreviated", locale=context.language)
    days = [(str(names[d]), AddWeekday(d).pack()) for d in range(7)]
    await _ask(update, context, "reminders.asks_weekday", [days[:4], days[4:]])
    return State.WEEKDAY


async def chose_weekday(update: Update, context: BotContext) -> int:
    assert context.matches
    _update(context, weekday=int(context.matches[0].group(1)))
    hours = [(f"{h}:00", AddHour(h).pack()) for h in HOURS]
    await _ask(
        update, context, "reminders.asks_hour", [hours[i : i + 5] for i in range(0, len(hours), 5)]
    )
    return State.HOUR


async def chose_hour(update: Update, context: BotContext) -> int:
    assert context.matches
    _update(context, hour=int(context.matches[0].group(1)))
    rows = [
        [(context.t(f"reminders.audience.{a}"), AddAudience(a).pack())] for a in service.AUDIENCES
    ]
    await _ask(update, context, "reminders.asks_audience", rows)
    return State.AUDIENCE


async def chose_audience(update: Update, context: BotContext) -> int:
    assert context.matches and update.callback_query
    _update(context, audience=context.matches[0].group(1))
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.t("reminders.asks_text"))
    return State.TEXT


async def got_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message and message.text
    draft = read_draft(context, ReminderDraft)
    draft.text = message.text_html
    new = draft.reminder()
    write_draft(context, draft)
    summary = context.t(
        "reminders.summary",
        kind=context.t(f"reminders.kind.{new.kind}"),
        when=rhythm_text(context.t, context.language, new.rrule()),
        audience=context.t(f"reminders.audience.{new.audience}"),
        text=new.text,
    )
    t = context.t
    rows = [
        [
            (t("reminders.button.save"), AddSave().pack()),
            (t("reminders.button.cancel"), AddCancel().pack()),
        ]
    ]
    await message.reply_text(summary, reply_markup=_markup(rows))
    return State.CONFIRM


async def save(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query
    new = read_draft(context, ReminderDraft).reminder()
    async with context.runtime.sessions.begin() as session:
        schedule = await service.create(session, context.member, new, context.runtime.clock())
    drop_draft(context, ReminderDraft)
    await query.answer()
    await query.edit_message_text(context.t("reminders.saved", code=schedule.code))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    assert update.callback_query
    drop_draft(context, ReminderDraft)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.t("reminders.cancelled"))
    return ConversationHandler.END
