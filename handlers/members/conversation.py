"""An invitation (/einladen): organisation, role, number of uses."""

from __future__ import annotations

from telegram.ext import ConversationHandler

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    ROLES,
    button,
    command_handler,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.members import invite


def invite_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    return persistent_conversation(
        name=invite.NAME,
        command="invite",
        entry_points=[
            command_handler("invite", invite.start),
            # /members offers it for an organisation not on board yet.
            button(r"^inv:new:(\d+)$", invite.preselected),
        ],
        states={
            invite.State.ORGANISATION: [button(r"^inv:org:(\d+)$", invite.chose_organisation)],
            invite.State.ROLE: [button(rf"^inv:role:({ROLES})$", invite.chose_role)],
            invite.State.USES: [button(r"^inv:uses:(\d+)$", invite.chose_uses)],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
