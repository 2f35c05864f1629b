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


def reminder_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(r"^radd:cancel$", reminder_add.cancel)
    return persistent_conversation(
        name=reminder_add.NAME,
        command="reminders",
        entry_points=[button(r"^rem:add$", reminder_add.start)],
        states={
            reminder_add.State.KIND: [
                button(r"^radd:kind:(meeting|custom)$", reminder_add.chose_kind),
                cancel,
            ],
            reminder_add.State.RHYTHM: [
                button(r"^radd:every:([1-4])$", reminder_add.chose_every),
                button(r"^radd:monthly$", reminder_add.ask_nth),
                cancel,
            ],
            reminder_add.State.NTH: [
                button(r"^radd:nth:(-1|[1-4])$", reminder_add.chose_nth),
                cancel,
            ],
            reminder_add.State.WEEKDAY: [
                button(r"^radd:day:([0-6])$", reminder_add.chose_weekday),
                cancel,
            ],
            reminder_add.State.HOUR: [
                button(r"^radd:hour:(\d{1,2})$", reminder_add.chose_hour),
                cancel,
            ],
            reminder_add.State.AUDIENCE: [
                button(r"^radd:aud:(all|partners|coordinators)$", reminder_add.chose_audience),
                cancel,
            ],
            reminder_add.State.TEXT: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, reminder_add.got_text)
            ],
            reminder_add.State.CONFIRM: [button(r"^radd:save$", reminder_add.save), cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
