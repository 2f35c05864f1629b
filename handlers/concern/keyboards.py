"""Buttons of the concern flow (`anl:`, the reporter's) and the coordinators' desk (`cdk:`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.concern.concerns import CATEGORIES, SEVERITIES, STATUSES
from bot.services.concern.desk import Summary
from handlers.concern.callbacks import (
    ConcernAnswer,
    ConcernCancel,
    ConcernCategory,
    ConcernCode,
    ConcernKind,
    ConcernNotify,
    ConcernSend,
    ConcernSeverity,
    DeskAcknowledge,
    DeskAskStatus,
    DeskCancelReply,
    DeskChangeReply,
    DeskList,
    DeskReply,
    DeskSendReply,
    DeskSetStatus,
    DeskView,
)
from handlers.concern.texts import label

Translate = Callable[..., str]


def _button(t: Translate, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(key), callback_data=data)


def _cancel(t: Translate) -> list[InlineKeyboardButton]:
    return [_button(t, "concern.button.cancel", ConcernCancel().pack())]


def start(t: Translate, *, anonymous_possible: bool) -> InlineKeyboardMarkup:
    rows = []
    if anonymous_possible:
        rows.append([_button(t, "concern.button.anonymous", ConcernKind("anon").pack())])
    rows.append([_button(t, "concern.button.named", ConcernKind("named").pack())])
    if anonymous_possible:
        rows.append([_button(t, "concern.button.code", ConcernCode().pack())])
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def categories(t: Translate) -> InlineKeyboardMarkup:
    buttons = [_button(t, f"concern.category.{c}", ConcernCategory(c).pack()) for c in CATEGORIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def severities(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t, f"concern.severity.{s}", ConcernSeverity(s).pack())] for s in SEVERITIES]
        + [_cancel(t)]
    )


def confirm(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t, "concern.button.send", ConcernSend().pack())], _cancel(t)]
    )


def notify(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, "concern.button.notify_yes", ConcernNotify("yes").pack())],
            [_button(t, "concern.button.notify_no", ConcernNotify("no").pack())],
        ]
    )


def answer(t: Translate, ticket: str, tag: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t, "concern.button.answer", ConcernAnswer(ticket, tag).pack())]]
    )


def desk_list(t: Translate, found: Sequence[Summary], language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label(t, s, language), callback_data=DeskView(s.ticket).pack())]
            for s in found
        ]
    )


def desk_actions(t: Translate, ticket: str, status: str) -> InlineKeyboardMarkup:
    rows = []
    if status == "new":
        rows.append([_button(t, "concerns.button.acknowledge", DeskAcknowledge(ticket).pack())])
    rows.append(
        [
            _button(t, "concerns.button.reply", DeskReply(ticket).pack()),
            _button(t, "concerns.button.status", DeskAskStatus(ticket).pack()),
        ]
    )
    rows.append([_button(t, "concerns.button.list", DeskList().pack())])
    return InlineKeyboardMarkup(rows)


def reply_preview(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, "concerns.button.send_reply", DeskSendReply().pack())],
            [
                _button(t, "concerns.button.change_reply", DeskChangeReply().pack()),
                _button(t, "concerns.button.cancel_reply", DeskCancelReply().pack()),
            ],
        ]
    )


def desk_statuses(t: Translate, ticket: str, current: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, f"concern.status.{s}", DeskSetStatus(ticket, s).pack())]
            for s in STATUSES
            if s != current
        ]
        + [[_button(t, "concerns.button.back", DeskView(ticket).pack())]]
    )
