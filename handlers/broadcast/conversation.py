"""A broadcast (/rundruf): audience, text, confirmation asked or not, send."""

from __future__ import annotations

from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    NEW_MESSAGE,
    PRIVATE,
    ROLES,
    button,
    command_handler,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.broadcast import broadcast


def broadcast_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(r"^bc:cancel$", broadcast.cancel)
    return persistent_conversation(
        name=broadcast.NAME,
        command="broadcast",
        entry_points=[command_handler("broadcast", broadcast.start)],
        states={
            broadcast.State.AUDIENCE: [
                button(r"^bc:aud:all$", broadcast.everyone),
                button(r"^bc:aud:role$", broadcast.ask_role),
                button(r"^bc:aud:org$", broadcast.ask_organisations),
                button(r"^bc:aud:owing$", broadcast.ask_period),
                cancel,
            ],
            broadcast.State.PERIOD: [button(r"^bc:owe:([\w-]+)$", broadcast.chose_period), cancel],
            broadcast.State.ROLE: [button(rf"^bc:role:({ROLES})$", broadcast.chose_role), cancel],
            broadcast.State.ORGANISATIONS: [
                button(r"^bc:org:(\d+)$", broadcast.toggle_organisation),
                button(r"^bc:orgs:done$", broadcast.organisations_chosen),
                cancel,
            ],
            broadcast.State.TEXT: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, broadcast.got_text),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, broadcast.text_only),
            ],
            broadcast.State.ACK: [button(r"^bc:ackq:(yes|no)$", broadcast.chose_ack), cancel],
            broadcast.State.CONFIRM: [
                button(r"^bc:send$", broadcast.send),
                button(r"^bc:edit$", broadcast.edit_text),
                cancel,
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
