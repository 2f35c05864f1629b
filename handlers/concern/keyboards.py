"""Buttons of the concern flow (`anl:`, the reporter's) and the coordinators' desk (`cdk:`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.concern.concerns import CATEGORIES, SEVERITIES, STATUSES
from bot.services.concern.desk import Summary, answer_data
from handlers.concern.texts import label

Translate = Callable[..., str]


def _button(t: Translate, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(key), callback_data=data)


def _cancel(t: Translate) -> list[InlineKeyboardButton]:
    return [_button(t, "concern.button.cancel", "anl:x")]


def start(t: Translate, *, anonymous_possible: bool) -> InlineKeyboardMarkup:
    rows = []
    if anonymous_possible:
        rows.append([_button(t, "concern.button.anonymous", "anl:k:anon")])
    rows.append([_button(t, "concern.button.named", "anl:k:named")])
    if anonymous_possible:
        rows.append([_button(t, "concern.button.code", "anl:code")])
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def categories(t: Translate) -> InlineKeyboardMarkup:
    buttons = [_button(t, f"concern.category.{c}", f"anl:c:{c}") for c in CATEGORIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def severities(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t, f"concern.severity.{s}", f"anl:s:{s}")] for s in SEVERITIES] + [_cancel(t)]
    )


def confirm(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t, "concern.button.send", "anl:ok")], _cancel(t)])


def notify(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, "concern.button.notify_yes", "anl:nf:yes")],
            [_button(t, "concern.button.notify_no", "anl:nf:no")],
        ]
    )


def answer(t: Translate, ticket: str, tag: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t, "concern.button.answer", answer_data(ticket, tag))]])


def desk_list(t: Translate, found: Sequence[Summary], language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label(t, s, language), callback_data=f"cdk:v:{s.ticket}")]
            for s in found
        ]
    )


def desk_actions(t: Translate, ticket: str, status: str) -> InlineKeyboardMarkup:
    rows = []
    if status == "new":
        rows.append([_button(t, "concerns.button.acknowledge", f"cdk:a:{ticket}")])
    rows.append(
        [
            _button(t, "concerns.button.reply", f"cdk:r:{ticket}"),
            _button(t, "concerns.button.status", f"cdk:st:{ticket}"),
        ]
    )
    rows.append([_button(t, "concerns.button.list", "cdk:list")])
    return InlineKeyboardMarkup(rows)


def reply_preview(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, "concerns.button.send_reply", "cdk:rs")],
            [
                _button(t, "concerns.button.change_reply", "cdk:re"),
                _button(t, "concerns.button.cancel_reply", "cdk:rx"),
            ],
        ]
    )


def desk_statuses(t: Translate, ticket: str, current: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, f"concern.status.{s}", f"cdk:s:{ticket}:{s}")]
            for s in STATUSES
            if s != current
        ]
        + [[_button(t, "concerns.button.back", f"cdk:v:{ticket}")]]
    )
