"""Reporting (/melden): choosing an item (handlers/report/flow.py), then its value, note and
confirmation (handlers/report/value.py)."""

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
from handlers.report import flow as report
from handlers.report import value as report_value
from handlers.report.states import State as ReportState


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
            ReportState.CHOOSE_ORG: [
                button(r"^rep:org:(\d+)$", report.chose_organisation),
                cancel,
            ],
            ReportState.CHOOSE: [
                button(r"^rep:o:(\d+)$", report.chose_item),
                button(r"^rep:p:(\d+)$", report.menu_page),
                button(r"^rep:i:(\d+):(\d+)$", report.indicator_page),
                button(r"^rep:fix$", report.corrections),
                # A search ("Kita-Plätze November"), or a backlog of the indicator shown.
                MessageHandler(text, report.typed),
                cancel,
            ],
            ReportState.BACKLOG: [button(r"^rep:bl:save$", report_value.save_backlog), cancel],
            ReportState.CORRECT: [button(r"^rep:correct$", report_value.correct), cancel],
            ReportState.VALUE: [
                MessageHandler(text, report_value.typed_value),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, report_value.not_a_number),
                button(r"^rep:v:(\d+)$", report_value.pressed_value),
                button(r"^rep:na$", report_value.not_applicable),
                cancel,
            ],
            ReportState.PICK: [button(r"^rep:pick:(\d+)$", report_value.picked), change, cancel],
            ReportState.NOTE: [
                MessageHandler(text, report_value.typed_note),
                button(r"^rep:nonote$", report_value.no_note),
                cancel,
            ],
            ReportState.NOTE_REQUIRED: [
                MessageHandler(text, report_value.typed_note),
                change,
                cancel,
            ],
            ReportState.CONFIRM: [button(r"^rep:save$", report_value.save), change, cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
