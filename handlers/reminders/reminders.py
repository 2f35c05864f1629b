"""/reminders (/erinnerungen) for coordinators: the schedules, pause and resume, who comes to
the meetings; and the RSVP buttons of meeting reminders for everyone they reached."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n.formatting import format_date
from bot.presentation.message_fit import fit_keyboard, fit_list, split_list
from bot.services.outbox import local_zone
from bot.services.reminders import reminders as service
from bot.telegram.context import BotContext
from handlers.reminders.callbacks import (
    AddReminder,
    PauseOrResume,
    ShowAnswers,
)
from handlers.reminders.texts import rhythm_text


def _keyboard(context: BotContext, items: list[service.Reminder]) -> InlineKeyboardMarkup:
    buttons = []
    for item in items:
        if item.kind == "reporting":
            continue
        action = "resume" if item.paused else "pause"
        label = context.t(f"reminders.button.{action}", code=item.code)
        buttons.append(
            InlineKeyboardButton(label, callback_data=PauseOrResume(action, item.id).pack())
        )
        if item.kind == "meeting":
            label = context.t("reminders.button.answers", code=item.code)
            buttons.append(InlineKeyboardButton(label, callback_data=ShowAnswers(item.id).pack()))
    rows, _ = fit_keyboard(buttons, reserved=1)
    rows.append(
        [
            InlineKeyboardButton(
                context.t("reminders.button.add"), callback_data=AddReminder().pack()
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def show(update: Update, context: BotContext) -> None:
    assert update.effective_message
    text, markup = await _listing(context)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def _listing(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    async with context.runtime.reads() as session:
        items = await service.reminders(session, context.language)
        zone = await local_zone(session)
    lines = []
    for item in items:
        when = (
            rhythm_text(context.t, context.language, item.rrule)
            if item.rrule
            else context.t("reminders.by_due_dates")
        )
        state = (
            context.t("reminders.paused")
            if item.paused
            else _next(context, item.next_fire_at, zone)
        )
        lines.append(
            context.t(
                "reminders.line",
                code=item.code,
                kind=context.t(f"reminders.kind.{item.kind}"),
                when=when,
                state=state,
                text=item.text,
            )
        )
    # One message, as it is edited when a reminder is paused: the rest are counted.
    title = context.t("reminders.title" if items else "reminders.none")
    text = fit_list(
        lines,
        lambda count: context.t("reminders.more", count=count),
        lambda joined: f"{title}\n{joined}" if joined else title,
    )
    return text, _keyboard(context, items)


def _next(context: BotContext, moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return context.t(
        "reminders.next", date=format_date(local.date(), context.language), time=f"{local:%H:%M}"
    )


async def pause(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    paused = context.matches[0].group(1) == "pause"
    async with context.runtime.sessions.begin() as session:
        await service.pause(
            session,
            context.member,
            int(context.matches[0].group(2)),
            paused,
            context.runtime.clock(),
        )
    text, markup = await _listing(context)
    await query.answer(context.t("reminders.paused_now" if paused else "reminders.resumed_now"))
    await query.edit_message_text(text, reply_markup=markup)


async def show_answers(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    async with context.runtime.reads() as session:
        days = await service.answers(session, int(context.matches[0].group(1)))
    lines = [context.t("reminders.answers_none")] if not days else []
    for day in days:
        lines.append(
            context.t(
                "reminders.answers",
                date=format_date(day.day, context.language),
                coming=len(day.coming),
                not_coming=len(day.not_coming),
                names=", ".join(day.coming) or "–",
            )
        )
    await query.answer()
    # Every name counts: several messages if need be, cut only between names.
    for part in split_list(lines):
        await update.effective_message.reply_text(part)


async def rsvp(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    schedule, day, reply = context.matches[0].groups()
    try:
        meeting = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        meeting = date.min  # a forged button: no meeting was on that day, refused below
    async with context.runtime.sessions.begin() as session:
        await service.rsvp(
            session, context.member, int(schedule), meeting, reply, context.runtime.clock()
        )
    await query.answer(context.t(f"reminders.rsvp_{reply}"))
