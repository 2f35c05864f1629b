"""An invitation (/einladen): organisation, role, number of uses."""

from __future__ import annotations

from telegram.ext import ConversationHandler

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    button,
    command_handler,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.members import invite
from handlers.members.callbacks import (
    InviteFor,
    InviteOrganisation,
    InviteRole,
    InviteUses,
)


def invite_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    return persistent_conversation(
        name=invite.NAME,
        command="invite",
        entry_points=[
            command_handler("invite", invite.start),
            # /members offers it for an organisation not on board yet.
            button(InviteFor.pattern, invite.preselected),
        ],
        states={
            invite.State.ORGANISATION: [
                button(InviteOrganisation.pattern, invite.chose_organisation)
            ],
            invite.State.ROLE: [button(InviteRole.pattern, invite.chose_role)],
            invite.State.USES: [button(InviteUses.pattern, invite.chose_uses)],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
