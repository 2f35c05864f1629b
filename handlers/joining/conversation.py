"""Joining with an invite link (/start CODE): consent, language, name."""

from __future__ import annotations

from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    PRIVATE,
    button,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.joining import flow as joining


def joining_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    with_code = filters.Regex(r"^/start(@\w+)?\s+\S")
    return persistent_conversation(
        name=joining.NAME_KEY,
        command="start",
        entry_points=[
            CommandHandler("start", joining.start_with_code, filters=PRIVATE & with_code)
        ],
        states={
            joining.State.CONSENT: [
                button(r"^join:consent$", joining.consented),
                button(r"^join:decline$", joining.declined),
            ],
            joining.State.LANGUAGE: [button(r"^join:lang:(de|en)$", joining.chose_language)],
            joining.State.NAME: [
                button(r"^join:name$", joining.took_telegram_name),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, joining.typed_name),
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
