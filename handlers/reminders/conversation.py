"""Adding a reminder (from /erinnerungen): kind, rhythm, day, hour, audience, text."""

from __future__ import annotations

from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    PRIVATE,
    button,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.reminders import add as reminder_add
from handlers.reminders.callbacks import (
    AddAudience,
    AddCancel,
    AddEvery,
    AddHour,
    AddKind,
    AddMonthly,
    AddNth,
    AddReminder,
    AddSave,
    AddWeekday,
)


def reminder_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(AddCancel.pattern, reminder_add.cancel)
    return persistent_conversation(
        name=reminder_add.NAME,
        command="reminders",
        entry_points=[button(AddReminder.pattern, reminder_add.start)],
        states={
            reminder_add.State.KIND: [
                button(AddKind.pattern, reminder_add.chose_kind),
                cancel,
            ],
            reminder_add.State.RHYTHM: [
                button(AddEvery.pattern, reminder_add.chose_every),
                button(AddMonthly.pattern, reminder_add.ask_nth),
                cancel,
            ],
            reminder_add.State.NTH: [
                button(AddNth.pattern, reminder_add.chose_nth),
                cancel,
            ],
            reminder_add.State.WEEKDAY: [
                button(AddWeekday.pattern, reminder_add.chose_weekday),
                cancel,
            ],
            reminder_add.State.HOUR: [
                button(AddHour.pattern, reminder_add.chose_hour),
                cancel,
            ],
            reminder_add.State.AUDIENCE: [
                button(AddAudience.pattern, reminder_add.chose_audience),
                cancel,
            ],
            reminder_add.State.TEXT: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, reminder_add.got_text)
            ],
            reminder_add.State.CONFIRM: [button(AddSave.pattern, reminder_add.save), cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
