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
from handlers.joining.callbacks import (
    Consent,
    Decline,
    Language,
    TakeName,
)


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
                button(Consent.pattern, joining.consented),
                button(Decline.pattern, joining.declined),
            ],
            joining.State.LANGUAGE: [button(Language.pattern, joining.chose_language)],
            joining.State.NAME: [
                button(TakeName.pattern, joining.took_telegram_name),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, joining.typed_name),
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
