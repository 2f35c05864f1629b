"""The one ordered registration table of handlers; the only module that imports `handlers`.

PTB runs, per update, the first matching handler of every group, in group order. Within a
group the order of this table decides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import all_names, command
from bot.commit import commit_update
from bot.context import BotApplication, BotContext
from bot.conversations import ExpiryGuard, persistent_conversation
from bot.identity import Callback, load_identity, role_guard
from bot.runtime import Runtime
from handlers import (
    agenda,
    broadcast,
    cancel,
    fallback,
    groups,
    help,
    invite,
    joining,
    members,
    mydata,
    news,
    report,
    report_value,
    settings,
    start,
)
from storage.models import Role

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE
Handler = BaseHandler[Any, BotContext, Any]
ROLES = "|".join(role.value for role in Role)


def _command(name: str, callback: Callback) -> CommandHandler[BotContext, Any]:
    entry = command(name)
    return CommandHandler(list(entry.names), role_guard(entry, callback), filters=PRIVATE)


def _button(pattern: str, callback: Callback) -> CallbackQueryHandler[BotContext, Any]:
    return CallbackQueryHandler(callback, pattern=pattern)


def _conversation_fallbacks() -> list[Handler]:
    """Every conversation: /cancel ends it (also for people joining, who are no members yet),
    typing gets a hint, stale buttons an answer. Other commands are left to their handlers."""
    return [
        CommandHandler(list(command("cancel").names), cancel.cancel_conversation, filters=PRIVATE),
        MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, fallback.use_the_buttons),
        CallbackQueryHandler(fallback.stale_button),
    ]


def _guard(runtime: Runtime) -> Callable[[str, str], ExpiryGuard]:
    timeout = timedelta(minutes=runtime.settings.bot.conversation_timeout_minutes)
    return lambda name, entry: ExpiryGuard(name, entry, runtime.persistence, timeout, runtime.clock)


def joining_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    with_code = filters.Regex(r"^/start(@\w+)?\s+\S")
    return persistent_conversation(
        name=joining.NAME_KEY,
        command="start",
        entry_points=[
            CommandHandler("start", joining.start_with_code, filters=PRIVATE & with_code)
        ],
        states={
            joining.CONSENT: [
                _button(r"^join:consent$", joining.consented),
                _button(r"^join:decline$", joining.declined),
            ],
            joining.LANGUAGE: [_button(r"^join:lang:(de|en)$", joining.chose_language)],
            joining.NAME: [
                _button(r"^join:name$", joining.took_telegram_name),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, joining.typed_name),
            ],
        },
        fallbacks=_conversation_fallbacks(),
        guard=_guard(runtime),
    )


def settings_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    back = _button(r"^set:menu$", settings.menu)
    return persistent_conversation(
        name=settings.NAME,
        command="settings",
        entry_points=[_command("settings", settings.start)],
        states={
            settings.MENU: [
                _button(r"^set:lang$", settings.ask_language),
                _button(r"^set:hour$", settings.ask_hour),
                _button(r"^set:quiet$", settings.ask_quiet_from),
                _button(r"^set:pause$", settings.ask_pause),
                _button(r"^set:done$", settings.done),
            ],
            settings.LANGUAGE: [_button(r"^set:lang:(\w+)$", settings.save_language), back],
            settings.HOUR: [_button(r"^set:hour:(\d+)$", settings.save_hour), back],
            settings.QUIET_FROM: [
                _button(r"^set:quiet_from:(\d+)$", settings.ask_quiet_to),
                _button(r"^set:quiet_off$", settings.quiet_hours_off),
                back,
            ],
            settings.QUIET_TO: [_button(r"^set:quiet_to:(\d+)$", settings.save_quiet_hours), back],
            settings.PAUSE: [_button(r"^set:pause:(\d+|end)$", settings.save_pause), back],
        },
        fallbacks=_conversation_fallbacks(),
        guard=_guard(runtime),
    )


def invite_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    return persistent_conversation(
        name=invite.NAME,
        command="invite",
        entry_points=[_command("invite", invite.start)],
        states={
            invite.ORGANISATION: [_button(r"^inv:org:(\d+)$", invite.chose_organisation)],
            invite.ROLE: [_button(rf"^inv:role:({ROLES})$", invite.chose_role)],
            invite.USES: [_button(r"^inv:uses:(\d+)$", invite.chose_uses)],
        },
        fallbacks=_conversation_fallbacks(),
        guard=_guard(runtime),
    )


def broadcast_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = _button(r"^bc:cancel$", broadcast.cancel)
    return persistent_conversation(
        name=broadcast.NAME,
        command="broadcast",
        entry_points=[_command("broadcast", broadcast.start)],
        states={
            broadcast.AUDIENCE: [
                _button(r"^bc:aud:all$", broadcast.everyone),
                _button(r"^bc:aud:role$", broadcast.ask_role),
                _button(r"^bc:aud:org$", broadcast.ask_organisations),
                cancel,
            ],
            broadcast.ROLE: [_button(rf"^bc:role:({ROLES})$", broadcast.chose_role), cancel],
            broadcast.ORGANISATIONS: [
                _button(r"^bc:org:(\d+)$", broadcast.toggle_organisation),
                _button(r"^bc:orgs:done$", broadcast.organisations_chosen),
                cancel,
            ],
            broadcast.TEXT: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, broadcast.got_text),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, broadcast.text_only),
            ],
            broadcast.ACK: [_button(r"^bc:ackq:(yes|no)$", broadcast.chose_ack), cancel],
            broadcast.CONFIRM: [
                _button(r"^bc:send$", broadcast.send),
                _button(r"^bc:edit$", broadcast.edit_text),
                cancel,
            ],
        },
        fallbacks=_conversation_fallbacks(),
        guard=_guard(runtime),
    )


def report_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = _button(r"^rep:cancel$", report.cancel)
    change = _button(r"^rep:change$", report_value.change)
    text = PRIVATE & filters.TEXT & ~filters.COMMAND
    return persistent_conversation(
        name=report_value.NAME,
        command="report",
        entry_points=[
            _command("report", report.start),
            # Reminders and nudges carry a button that opens exactly one item.
            _button(r"^rep:o:(\d+)$", report.chose_item),
        ],
        states={
            report.CHOOSE_ORG: [_button(r"^rep:org:(\d+)$", report.chose_organisation), cancel],
            report.CHOOSE: [
                _button(r"^rep:o:(\d+)$", report.chose_item),
                _button(r"^rep:fix$", report.corrections),
                cancel,
            ],
            report.CORRECT: [_button(r"^rep:correct$", report_value.correct), cancel],
            report.VALUE: [
                MessageHandler(text, report_value.typed_value),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, report_value.not_a_number),
                _button(r"^rep:v:(\d+)$", report_value.pressed_value),
                _button(r"^rep:na$", report_value.not_applicable),
                cancel,
            ],
            report.PICK: [_button(r"^rep:pick:(\d+)$", report_value.picked), change, cancel],
            report.NOTE: [
                MessageHandler(text, report_value.typed_note),
                _button(r"^rep:nonote$", report_value.no_note),
                cancel,
            ],
            report.NOTE_REQUIRED: [MessageHandler(text, report_value.typed_note), change, cancel],
            report.CONFIRM: [_button(r"^rep:save$", report_value.save), change, cancel],
        },
        fallbacks=_conversation_fallbacks(),
        guard=_guard(runtime),
    )


def handler_table(runtime: Runtime) -> list[tuple[int, Handler]]:
    return [
        # Group -1: skip redelivered updates, then identity: every later handler reads
        # context.member and context.language.
        (-1, TypeHandler(Update, load_identity)),
        # Group 0: stateless buttons (they check who pressed and act on that), conversations
        # (they own the updates of users inside them and answer any other button as stale),
        # single commands (private chat), group chats, and the fallbacks, which must come last
        # because they match anything the features left.
        # Stateless buttons that act on whoever pressed them come before the conversations,
        # whose fallbacks answer any other button as stale.
        (0, _button(r"^mydata:leave$", mydata.ask_leave)),
        (0, _button(r"^mydata:leave:confirm$", mydata.confirm_leave)),
        (0, _button(r"^mydata:leave:cancel$", mydata.cancel_leave)),
        (0, _button(r"^mem:(\d+)$", members.detail)),
        (0, _button(r"^mem:(\d+):contact$", members.toggle_contact)),
        (0, _button(r"^mem:(\d+):role$", members.ask_role)),
        (0, _button(rf"^mem:(\d+):role:({ROLES})$", members.set_role)),
        (0, _button(r"^mem:(\d+):off$", members.ask_deactivate)),
        (0, _button(r"^mem:(\d+):off:yes$", members.confirm_deactivate)),
        (0, _button(r"^ack:(\d+)$", news.acknowledge)),
        (0, _button(r"^bcs:(\d+)$", news.show_status)),
        (0, _button(r"^bcu:(\d+)$", news.show_unconfirmed)),
        (0, _button(r"^news:(\d+)$", news.older)),
        (0, joining_conversation(runtime)),
        (0, settings_conversation(runtime)),
        (0, invite_conversation(runtime)),
        (0, broadcast_conversation(runtime)),
        (0, report_conversation(runtime)),
        (0, _command("start", start.start)),
        (0, _command("help", help.help_command)),
        (0, _command("agenda", agenda.agenda)),
        (0, _command("news", news.news)),
        (0, _command("mydata", mydata.mydata)),
        (0, _command("members", members.show)),
        (0, _command("cancel", cancel.cancel)),
        (
            0,
            CommandHandler(
                all_names(), groups.point_to_private_chat, filters=filters.ChatType.GROUPS
            ),
        ),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND, fallback.unknown_command)),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT, fallback.not_understood)),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE, fallback.not_text)),
        (0, CallbackQueryHandler(fallback.stale_button)),
        # Last group: write conversation states and user_data and mark the update handled, in
        # one transaction, so a crash after this loses nothing and a redelivery changes nothing.
        (99, TypeHandler(Update, commit_update)),
    ]


def register_handlers(application: BotApplication, runtime: Runtime) -> None:
    for group, handler in handler_table(runtime):
        application.add_handler(handler, group=group)
