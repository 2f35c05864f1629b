"""An export (/export) for a period of one's own."""

from __future__ import annotations

from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    NEW_MESSAGE,
    PRIVATE,
    button,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.export import export
from handlers.export.callbacks import (
    ExportRange,
)


def export_range_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    """/export with a period of one's own: the button asks, the next text is the period."""
    return persistent_conversation(
        name=export.NAME,
        command="export",
        entry_points=[button(ExportRange.pattern, export.ask_range)],
        states={
            export.State.TYPED_RANGE: [
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, export.got_range)
            ]
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
