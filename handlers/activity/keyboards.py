"""Buttons of the activity flow (`act:`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n.formatting import shorten
from bot.presentation.message_fit import fit_keyboard
from handlers.activity.callbacks import (
    NAMES,
    AskChange,
    AskDelete,
    Cancel,
    Day,
    Delete,
    Goal,
    Mine,
    PartnersDone,
    Save,
    ShowOwn,
    TogglePartner,
)

Translate = Callable[..., str]


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(shorten(label, 64), callback_data=data)


def _cancel(t: Translate) -> list[InlineKeyboardButton]:
    return [_button(t("activity.button.cancel"), Cancel().pack())]


def start(t: Translate, has_own: bool) -> InlineKeyboardMarkup:
    rows = [[_button(t("activity.button.mine"), Mine().pack())]] if has_own else []
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def days(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t("activity.button.today"), Day(0).pack()),
                _button(t("activity.button.yesterday"), Day(1).pack()),
            ],
            _cancel(t),
        ]
    )


def goals(
    t: Translate, found: Sequence[tuple[str, str, str]], language: str
) -> tuple[InlineKeyboardMarkup, int]:
    """A button per goal, as many as Telegram takes; and how many did not fit."""
    rows, left_out = fit_keyboard(
        [_button(en if language == "en" else de, Goal(code).pack()) for code, de, en in found],
        reserved=1,
    )
    return InlineKeyboardMarkup([*rows, _cancel(t)]), left_out


def names(t: Translate, prefix: str, options: Sequence[str]) -> InlineKeyboardMarkup:
    buttons = [_button(name, NAMES[prefix](str(i)).pack()) for i, name in enumerate(options)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [
            _button(t("activity.button.other"), NAMES[prefix]("other").pack()),
            _button(t("activity.button.none"), NAMES[prefix]("none").pack()),
        ]
    )
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def skip(t: Translate, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("activity.button.skip"), data)], _cancel(t)])


def partners(
    t: Translate, options: Sequence[tuple[str, str]], chosen: Sequence[str]
) -> tuple[InlineKeyboardMarkup, int]:
    """A button per organisation, as many as fit beside "next" and "cancel"; and how many did
    not fit."""
    rows, left_out = fit_keyboard(
        [
            _button(("✅ " if code in chosen else "") + name, TogglePartner(code).pack())
            for code, name in options
        ],
        reserved=2,
    )
    done = [_button(t("activity.button.next"), PartnersDone().pack())]
    return InlineKeyboardMarkup([*rows, done, _cancel(t)]), left_out


def confirm(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("activity.button.save"), Save().pack())], _cancel(t)])


def own(t: Translate, entries: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(label, ShowOwn(activity_id).pack())] for activity_id, label in entries]
        + [_cancel(t)]
    )


def own_actions(t: Translate, activity_id: int) -> InlineKeyboardMarkup:
    fields = ("title", "date", "reach", "description")
    buttons = [
        _button(t(f"activity.button.edit_{f}"), AskChange(activity_id, f).pack()) for f in fields
    ]
    return InlineKeyboardMarkup(
        [
            buttons[:2],
            buttons[2:],
            [_button(t("activity.button.delete"), AskDelete(activity_id).pack())],
            _cancel(t),
        ]
    )


def confirm_delete(t: Translate, activity_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t("activity.button.delete_yes"), Delete(activity_id).pack())], _cancel(t)]
    )
