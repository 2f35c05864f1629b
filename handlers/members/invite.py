"""/invite (/einladen): organisation, role and number of people by buttons -> a deep link.
/members starts it with the organisation chosen (a button per organisation not on board)."""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

from telegram import Update
from telegram.ext import ConversationHandler

from bot.i18n.formatting import format_date
from bot.presentation.message_fit import and_more
from bot.services.errors import DomainError
from bot.services.invites import check_invitable, create_invite, invitable_roles
from bot.services.roster import organisations
from bot.telegram.context import BotContext
from bot.telegram.drafts import Draft, StaleDraft, drop_draft, read_draft, write_draft
from handlers.members import keyboards
from handlers.members.callbacks import InviteRole
from storage.models import Role


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    ORGANISATION = 0
    ROLE = 1
    USES = 2


NAME = "invite"
USES_CHOICES = (1, 10, 50)


class InviteDraft(Draft):
    key: ClassVar[str] = NAME

    # -1: none chosen; no organisation has it, so the invite is refused.
    organisation: int = -1
    role: Role | None = None


async def start(update: Update, context: BotContext) -> int:
    assert update.effective_message
    async with context.runtime.reads() as session:
        choices = await organisations(session)
    if not choices:
        await update.effective_message.reply_text(context.t("invite.no_organisations"))
        return ConversationHandler.END
    markup, left_out = keyboards.organisations(choices)
    text = and_more(
        context.t("invite.asks_organisation"),
        left_out,
        lambda count: context.t("invite.more_organisations", count=count),
    )
    await update.effective_message.reply_text(text, reply_markup=markup)
    return State.ORGANISATION


async def preselected(update: Update, context: BotContext) -> int:
    """/invite started from /members for one organisation: on to the role."""
    query = update.callback_query
    assert query and context.matches and context.member
    chosen = int(context.matches[0].group(1))
    async with context.runtime.reads() as session:
        names = {o.id: o.name for o in await organisations(session)}
    if chosen not in names:
        raise DomainError("error.stale_button")  # forged, or no longer active
    write_draft(context, InviteDraft(organisation=chosen))
    await query.answer()
    assert update.effective_message
    roles = invitable_roles(context.member)
    await update.effective_message.reply_text(
        context.t("invite.asks_role_for", organisation=names[chosen]),
        reply_markup=keyboards.roles(context.t, roles, lambda role: InviteRole(role).pack()),
    )
    return State.ROLE


async def chose_organisation(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query and context.matches and context.member
    write_draft(context, InviteDraft(organisation=int(context.matches[0].group(1))))
    await query.answer()
    roles = invitable_roles(context.member)
    await query.edit_message_text(
        context.t("invite.asks_role"),
        reply_markup=keyboards.roles(context.t, roles, lambda role: InviteRole(role).pack()),
    )
    return State.ROLE


async def chose_role(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query and context.matches
    role = Role(context.matches[0].group(1))
    # Only the roles this member was offered: a forged button is refused here, at once.
    check_invitable(context.member, role)
    draft = read_draft(context, InviteDraft)
    draft.role = role
    write_draft(context, draft)
    await query.answer()
    await query.edit_message_text(
        context.t("invite.asks_uses"), reply_markup=keyboards.invite_uses(context.t, USES_CHOICES)
    )
    return State.USES


async def chose_uses(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query and context.matches and context.member
    draft = read_draft(context, InviteDraft)
    if draft.role is None:  # no role chosen in this conversation: as good as no draft
        raise StaleDraft
    async with context.runtime.sessions.begin() as session:
        choices = {o.id: o.code for o in await organisations(session)}
        new = await create_invite(
            session,
            organisation_code=choices.get(draft.organisation, ""),
            role=draft.role,
            now=context.runtime.clock(),
            uses=int(context.matches[0].group(1)),
            inviter=context.member,
        )
    drop_draft(context, InviteDraft)
    await query.answer()
    await query.edit_message_text(
        context.t(
            "invite.created",
            organisation=new.organisation_name,
            role=context.t(f"role.{new.role}"),
            uses=context.t("invite.people", count=new.uses),
            until=format_date(new.expires_at.date(), context.language),
            link=f"https://t.me/{context.bot.username}?start={new.code}",
        )
    )
    return ConversationHandler.END
