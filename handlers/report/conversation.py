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
from handlers.report.callbacks import (
    Cancel,
    Change,
    ChooseOrganisation,
    Correct,
    Corrections,
    Done,
    IndicatorPage,
    MenuPage,
    NoNote,
    NotApplicable,
    OpenItem,
    Pick,
    PressedValue,
    Save,
    SaveBacklog,
)
from handlers.report.states import State as ReportState


def report_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    cancel = button(Cancel.pattern, report.cancel)
    change = button(Change.pattern, report_value.change)
    text = PRIVATE & filters.TEXT & ~filters.COMMAND
    return persistent_conversation(
        name=report_value.NAME,
        command="report",
        entry_points=[
            command_handler("report", report.start),
            # Reminders, nudges and [Nächster Punkt] after saving open exactly one item.
            button(OpenItem.pattern, report.chose_item),
            button(Done.pattern, report.done),
        ],
        states={
            ReportState.CHOOSE_ORG: [
                button(ChooseOrganisation.pattern, report.chose_organisation),
                cancel,
            ],
            ReportState.CHOOSE: [
                button(OpenItem.pattern, report.chose_item),
                button(MenuPage.pattern, report.menu_page),
                button(IndicatorPage.pattern, report.indicator_page),
                button(Corrections.pattern, report.corrections),
                # A search ("Kita-Plätze November"), or a backlog of the indicator shown.
                MessageHandler(text, report.typed),
                cancel,
            ],
            ReportState.BACKLOG: [button(SaveBacklog.pattern, report_value.save_backlog), cancel],
            ReportState.CORRECT: [button(Correct.pattern, report_value.correct), cancel],
            ReportState.VALUE: [
                MessageHandler(text, report_value.typed_value),
                MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.COMMAND, report_value.not_a_number),
                button(PressedValue.pattern, report_value.pressed_value),
                button(NotApplicable.pattern, report_value.not_applicable),
                cancel,
            ],
            ReportState.PICK: [button(Pick.pattern, report_value.picked), change, cancel],
            ReportState.NOTE: [
                MessageHandler(text, report_value.typed_note),
                button(NoNote.pattern, report_value.no_note),
                cancel,
            ],
            ReportState.NOTE_REQUIRED: [
                MessageHandler(text, report_value.typed_note),
                change,
                cancel,
            ],
            ReportState.CONFIRM: [button(Save.pattern, report_value.save), change, cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
