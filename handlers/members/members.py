"""/members (/mitglieder): members by organisation; coordinators mark reporting contacts,
admins change roles and deactivate. Buttons carry the member id and are checked each time.
Below, the organisations not on board yet (nobody in the bot, nobody who reports, no
reporting contact), each with a button that starts /invite for it."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommandScopeChat, Update

from bot.i18n import Html
from bot.presentation.menus import publish_member_menu
from bot.presentation.message_fit import fit_list, split_list
from bot.presentation.reach import reason
from bot.services.roster import (
    Gap,
    RosterEntry,
    change_role,
    deactivate,
    member_entry,
    not_on_board,
    roster,
    toggle_reporting_contact,
)
from bot.telegram.context import BotContext
from bot.telegram.conversations import end_conversations
from handlers.members import keyboards
from handlers.members.callbacks import SetRole
from storage.models import Role


async def show(update: Update, context: BotContext) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        entries = await roster(session)
        gaps = await not_on_board(session)
    lines, organisation = [context.t("members.title")], None
    for entry in entries:
        if entry.organisation_name != organisation:
            organisation = entry.organisation_name
            lines.append(context.t("members.organisation", name=organisation))
        lines.append(_line(context, entry))
    # Everyone is listed, in several messages if need be; buttons for as many as fit.
    markup, left_out = keyboards.roster(entries)
    if left_out:
        lines.append(context.t("members.more_buttons", count=left_out))
    *earlier, last = split_list(lines)
    for part in earlier:
        await update.effective_message.reply_text(part)
    await update.effective_message.reply_text(last, reply_markup=markup)
    if gaps:
        await update.effective_message.reply_text(
            _not_on_board(context, gaps), reply_markup=keyboards.invite_for(context.t, gaps)
        )


def _not_on_board(context: BotContext, gaps: Sequence[Gap]) -> str:
    listed = [
        context.t("reach.line", organisation=gap.name, reason=Html(reason(context.t, gap.reason)))
        for gap in gaps
    ]
    return fit_list(
        listed,
        lambda left: context.t("members.gaps_more", count=left),
        lambda joined: context.t("members.gaps", lines=joined),
    )


async def detail(update: Update, context: BotContext) -> None:
    async with context.runtime.reads() as session:
        entry = await member_entry(session, _target(context))
    await _show_detail(update, context, entry)


async def toggle_contact(update: Update, context: BotContext) -> None:
    async with context.runtime.sessions.begin() as session:
        entry = await toggle_reporting_contact(session, context.known_member, _target(context))
    await _show_detail(update, context, entry)


async def ask_role(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    roles, target = [role.value for role in Role], _target(context)
    markup = keyboards.roles(context.t, roles, lambda role: SetRole(target, role).pack())
    await query.answer()
    await query.edit_message_reply_markup(markup)


async def set_role(update: Update, context: BotContext) -> None:
    assert context.matches
    role = Role(context.matches[0].group(2))
    async with context.runtime.sessions.begin() as session:
        entry = await change_role(session, context.known_member, _target(context), role)
    if entry.telegram_id is not None:
        # What they started under the old role ends; this update's commit stores that.
        end_conversations(context.application, entry.telegram_id)
        # Their own command menu follows the new role.
        language = entry.language or context.runtime.settings.bot.default_language
        translator = context.runtime.translator
        await publish_member_menu(context.bot, translator, entry.telegram_id, language, role)
    await _show_detail(update, context, entry)


async def ask_deactivate(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_reply_markup(keyboards.confirm_deactivate(context.t, _target(context)))


async def confirm_deactivate(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    async with context.runtime.sessions.begin() as session:
        entry = await deactivate(
            session, context.known_member, _target(context), context.runtime.clock()
        )
    if entry.telegram_id is not None:
        end_conversations(context.application, entry.telegram_id)
        await context.bot.delete_my_commands(scope=BotCommandScopeChat(entry.telegram_id))
    await query.answer()
    await query.edit_message_text(context.t("members.deactivated", name=entry.name))


async def _show_detail(update: Update, context: BotContext, entry: RosterEntry) -> None:
    query = update.callback_query
    assert query
    actor = context.known_member
    await query.answer()
    await query.edit_message_text(
        context.t(
            "members.detail",
            name=entry.name,
            organisation=entry.organisation_name,
            role=context.t(f"role.{entry.role}"),
            contact=context.t("members.yes" if entry.reporting_contact else "members.no"),
        ),
        reply_markup=keyboards.member_actions(context.t, entry, admin=actor.role == Role.ADMIN),
    )


def _line(context: BotContext, entry: RosterEntry) -> str:
    key = "members.line_contact" if entry.reporting_contact else "members.line"
    return context.t(key, name=entry.name, role=context.t(f"role.{entry.role}"))


def _target(context: BotContext) -> int:
    assert context.matches
    return int(context.matches[0].group(1))
