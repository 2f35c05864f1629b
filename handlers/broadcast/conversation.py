"""A broadcast (/rundruf): audience, text, confirmation asked or not, send."""

from __future__ import annotations

from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    NEW_MESSAGE,
    PRIVATE,
    button,
    command_handler,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.broadcast import broadcast
from handlers.broadcast.callbacks import (
    AskAcknowledgement,
    AudienceEveryone,
    AudienceOrganisations,
    AudienceOwing,
    AudienceRole,
    BroadcastCancel,
    BroadcastEdit,
    BroadcastSend,
    ChosenRole,
    OrganisationsDone,
    OwingPeriod,
    ToggleOrganisation,
)


def broadcast_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(BroadcastCancel.pattern, broadcast.cancel)
    return persistent_conversation(
        name=broadcast.NAME,
        command="broadcast",
        entry_points=[command_handler("broadcast", broadcast.start)],
        states={
            broadcast.State.AUDIENCE: [
                button(AudienceEveryone.pattern, broadcast.everyone),
                button(AudienceRole.pattern, broadcast.ask_role),
                button(AudienceOrganisations.pattern, broadcast.ask_organisations),
                button(AudienceOwing.pattern, broadcast.ask_period),
                cancel,
            ],
            broadcast.State.PERIOD: [button(OwingPeriod.pattern, broadcast.chose_period), cancel],
            broadcast.State.ROLE: [button(ChosenRole.pattern, broadcast.chose_role), cancel],
            broadcast.State.ORGANISATIONS: [
                button(ToggleOrganisation.pattern, broadcast.toggle_organisation),
                button(OrganisationsDone.pattern, broadcast.organisations_chosen),
                cancel,
            ],
            broadcast.State.TEXT: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, broadcast.got_text),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, broadcast.text_only),
            ],
            broadcast.State.ACK: [button(AskAcknowledgement.pattern, broadcast.chose_ack), cancel],
            broadcast.State.CONFIRM: [
                button(BroadcastSend.pattern, broadcast.send),
                button(BroadcastEdit.pattern, broadcast.edit_text),
                cancel,
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
