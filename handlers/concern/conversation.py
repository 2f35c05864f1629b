"""A coordinator's reply to a concern, from the desk (/anliegenliste)."""

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
from handlers.concern import desk as concern_desk
from handlers.concern.callbacks import (
    DeskCancelReply,
    DeskChangeReply,
    DeskReply,
    DeskSendReply,
)


def concern_reply_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    """A coordinator's reply to a concern: the button opens it, the next text is the reply,
    shown back and sent only with "Send"."""
    cancel = button(DeskCancelReply.pattern, concern_desk.cancel_reply)
    return persistent_conversation(
        name=concern_desk.NAME,
        command="concerns",
        entry_points=[button(DeskReply.pattern, concern_desk.ask_reply)],
        states={
            concern_desk.State.TEXT: [
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, concern_desk.got_reply)
            ],
            concern_desk.State.CONFIRM: [
                button(DeskSendReply.pattern, concern_desk.send_reply),
                button(DeskChangeReply.pattern, concern_desk.change_reply),
                cancel,
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
