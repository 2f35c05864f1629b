"""The conversations of the handler table (bot/registry.py): one builder per multi-step flow.

Each state lists the buttons and messages it accepts; everything else falls to the shared
fallbacks (/cancel, a hint to use the buttons, an answer to stale buttons). With the registry
and handlers/activity/conversation.py (built from the helpers here) it is the only module that
imports `handlers`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import command
from bot.runtime import Runtime
from bot.telegram.callback_data import numbers_checked
from bot.telegram.context import BotContext
from bot.telegram.conversations import ExpiryGuard, persistent_conversation
from bot.telegram.identity import Callback, Roles, role_guard, roles_guard
from handlers.broadcast import broadcast
from handlers.concern import desk as concern_desk
from handlers.export import export
from handlers.help import cancel, fallback
from handlers.joining import flow as joining
from handlers.members import invite
from handlers.reminders import add as reminder_add
from handlers.report import flow as report
from handlers.report import value as report_value
from handlers.settings import settings
from storage.models import Role

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE
Handler = BaseHandler[Any, BotContext, Any]
ROLES = "|".join(role.value for role in Role)


def command_handler(name: str, callback: Callback) -> CommandHandler[BotContext, Any]:
    entry = command(name)
    return CommandHandler(list(entry.names), role_guard(entry, callback), filters=PRIVATE)


def button(pattern: str, callback: Callback) -> CallbackQueryHandler[BotContext, Any]:
    """A button of a conversation's state: its AccessGuard checks who presses it, from the
    roles of the conversation's command."""
    return CallbackQueryHandler(numbers_checked(callback), pattern=pattern)


# A stateless button anyone may press, members or not: its flow decides (a draft in memory,
# a survey's invitation, a receipt) and refuses anything else itself.
ANYONE = None


def stateless(
    pattern: str, callback: Callback, roles: Roles | None
) -> CallbackQueryHandler[BotContext, Any]:
    """A button outside conversations. `roles`: who may press it, declared for every one and
    read fresh for every press; anyone else is told why and the callback does not run."""
    if roles is not None:
        callback = roles_guard(roles, callback)
    return button(pattern, callback)


def conversation_fallbacks() -> list[Handler]:
    """Every conversation: /cancel ends it (also for people joining, who are no members yet),
    typing gets a hint, stale buttons an answer. Other commands are left to their handlers."""
    return [
        CommandHandler(list(command("cancel").names), cancel.cancel_conversation, filters=PRIVATE),
        MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, fallback.use_the_buttons),
        CallbackQueryHandler(fallback.stale_button),
    ]


def expiry_guard(runtime: Runtime) -> Callable[[str, str], ExpiryGuard]:
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
                button(r"^join:consent$", joining.consented),
                button(r"^join:decline$", joining.declined),
            ],
            joining.LANGUAGE: [button(r"^join:lang:(de|en)$", joining.chose_language)],
            joining.NAME: [
                button(r"^join:name$", joining.took_telegram_name),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, joining.typed_name),
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )


def settings_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    back = button(r"^set:menu$", settings.menu)
    return persistent_conversation(
        name=settings.NAME,
        command="settings",
        entry_points=[command_handler("settings", settings.start)],
        states={
            settings.MENU: [
                button(r"^set:lang$", settings.ask_language),
                button(r"^set:hour$", settings.ask_hour),
                button(r"^set:quiet$", settings.ask_quiet_from),
                button(r"^set:pause$", settings.ask_pause),
                button(r"^set:digest$", settings.switch_digest),
                button(r"^set:done$", settings.done),
            ],
            settings.LANGUAGE: [button(r"^set:lang:(\w+)$", settings.save_language), back],
            settings.HOUR: [button(r"^set:hour:(\d+)$", settings.save_hour), back],
            settings.QUIET_FROM: [
                button(r"^set:quiet_from:(\d+)$", settings.ask_quiet_to),
                button(r"^set:quiet_off$", settings.quiet_hours_off),
                back,
            ],
            settings.QUIET_TO: [button(r"^set:quiet_to:(\d+)$", settings.save_quiet_hours), back],
            settings.PAUSE: [button(r"^set:pause:(\d+|end)$", settings.save_pause), back],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )


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
            invite.ORGANISATION: [button(r"^inv:org:(\d+)$", invite.chose_organisation)],
            invite.ROLE: [button(rf"^inv:role:({ROLES})$", invite.chose_role)],
            invite.USES: [button(r"^inv:uses:(\d+)$", invite.chose_uses)],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )


def broadcast_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(r"^bc:cancel$", broadcast.cancel)
    return persistent_conversation(
        name=broadcast.NAME,
        command="broadcast",
        entry_points=[command_handler("broadcast", broadcast.start)],
        states={
            broadcast.AUDIENCE: [
                button(r"^bc:aud:all$", broadcast.everyone),
                button(r"^bc:aud:role$", broadcast.ask_role),
                button(r"^bc:aud:org$", broadcast.ask_organisations),
                button(r"^bc:aud:owing$", broadcast.ask_period),
                cancel,
            ],
            broadcast.PERIOD: [button(r"^bc:owe:([\w-]+)$", broadcast.chose_period), cancel],
            broadcast.ROLE: [button(rf"^bc:role:({ROLES})$", broadcast.chose_role), cancel],
            broadcast.ORGANISATIONS: [
                button(r"^bc:org:(\d+)$", broadcast.toggle_organisation),
                button(r"^bc:orgs:done$", broadcast.organisations_chosen),
                cancel,
            ],
            broadcast.TEXT: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, broadcast.got_text),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, broadcast.text_only),
            ],
            broadcast.ACK: [button(r"^bc:ackq:(yes|no)$", broadcast.chose_ack), cancel],
            broadcast.CONFIRM: [
                button(r"^bc:send$", broadcast.send),
                button(r"^bc:edit$", broadcast.edit_text),
                cancel,
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )


def report_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(r"^rep:cancel$", report.cancel)
    change = button(r"^rep:change$", report_value.change)
    text = PRIVATE & filters.TEXT & ~filters.COMMAND
    return persistent_conversation(
        name=report_value.NAME,
        command="report",
        entry_points=[
            command_handler("report", report.start),
            # Reminders, nudges and [Nächster Punkt] after saving open exactly one item.
            button(r"^rep:o:(\d+)$", report.chose_item),
            button(r"^rep:done$", report.done),
        ],
        states={
            report.CHOOSE_ORG: [button(r"^rep:org:(\d+)$", report.chose_organisation), cancel],
            report.CHOOSE: [
                button(r"^rep:o:(\d+)$", report.chose_item),
                button(r"^rep:p:(\d+)$", report.menu_page),
                button(r"^rep:i:(\d+):(\d+)$", report.indicator_page),
                button(r"^rep:fix$", report.corrections),
                # A search ("Kita-Plätze November"), or a backlog of the indicator shown.
                MessageHandler(text, report.typed),
                cancel,
            ],
            report.BACKLOG: [button(r"^rep:bl:save$", report_value.save_backlog), cancel],
            report.CORRECT: [button(r"^rep:correct$", report_value.correct), cancel],
            report.VALUE: [
                MessageHandler(text, report_value.typed_value),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, report_value.not_a_number),
                button(r"^rep:v:(\d+)$", report_value.pressed_value),
                button(r"^rep:na$", report_value.not_applicable),
                cancel,
            ],
            report.PICK: [button(r"^rep:pick:(\d+)$", report_value.picked), change, cancel],
            report.NOTE: [
                MessageHandler(text, report_value.typed_note),
                button(r"^rep:nonote$", report_value.no_note),
                cancel,
            ],
            report.NOTE_REQUIRED: [MessageHandler(text, report_value.typed_note), change, cancel],
            report.CONFIRM: [button(r"^rep:save$", report_value.save), change, cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )


def reminder_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(r"^radd:cancel$", reminder_add.cancel)
    return persistent_conversation(
        name=reminder_add.NAME,
        command="reminders",
        entry_points=[button(r"^rem:add$", reminder_add.start)],
        states={
            reminder_add.KIND: [
                button(r"^radd:kind:(meeting|custom)$", reminder_add.chose_kind),
                cancel,
            ],
            reminder_add.RHYTHM: [
                button(r"^radd:every:([1-4])$", reminder_add.chose_every),
                button(r"^radd:monthly$", reminder_add.ask_nth),
                cancel,
            ],
            reminder_add.NTH: [button(r"^radd:nth:(-1|[1-4])$", reminder_add.chose_nth), cancel],
            reminder_add.WEEKDAY: [
                button(r"^radd:day:([0-6])$", reminder_add.chose_weekday),
                cancel,
            ],
            reminder_add.HOUR: [button(r"^radd:hour:(\d{1,2})$", reminder_add.chose_hour), cancel],
            reminder_add.AUDIENCE: [
                button(r"^radd:aud:(all|partners|coordinators)$", reminder_add.chose_audience),
                cancel,
            ],
            reminder_add.TEXT: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, reminder_add.got_text)
            ],
            reminder_add.CONFIRM: [button(r"^radd:save$", reminder_add.save), cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )


def concern_reply_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    """A coordinator's reply to a concern: the button opens it, the next text is the reply,
    shown back and sent only with "Send"."""
    cancel = button(r"^cdk:rx$", concern_desk.cancel_reply)
    return persistent_conversation(
        name=concern_desk.NAME,
        command="concerns",
        entry_points=[button(r"^cdk:r:([0-9A-Z]{8})$", concern_desk.ask_reply)],
        states={
            concern_desk.TEXT: [
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, concern_desk.got_reply)
            ],
            concern_desk.CONFIRM: [
                button(r"^cdk:rs$", concern_desk.send_reply),
                button(r"^cdk:re$", concern_desk.change_reply),
                cancel,
            ],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )


def export_range_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    """/export with a period of one's own: the button asks, the next text is the period."""
    return persistent_conversation(
        name=export.NAME,
        command="export",
        entry_points=[
            button(r"^exp:(values|concerns|pulse|activities):(csv|xlsx):range$", export.ask_range)
        ],
        states={
            export.TYPED_RANGE: [
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, export.got_range)
            ]
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
