"""Keyboards of /missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.presentation.keyboards import Translate
from bot.presentation.message_fit import fit_keyboard
from bot.services.missing.completeness import Completeness
from handlers.missing.callbacks import (
    AsFile,
    AskClose,
    AskExtension,
    AskWaiver,
    ChoosePeriod,
    Close,
    ExtensionDays,
    ExtensionOrganisation,
    KeepWaiver,
    Nudge,
    ShowPeriod,
    Waive,
    WaiverDay,
)


def _b(t: Translate, key: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(key, **values), callback_data=data)


def period_actions(t: Translate, found: Completeness) -> InlineKeyboardMarkup:
    period = found.period
    rows = []
    as_file = _b(t, "missing.button.file", AsFile(period).pack())
    if found.missing:
        rows.append([_b(t, "missing.button.nudge", Nudge(period).pack()), as_file])
        rows.append([_b(t, "missing.button.extend", AskExtension(period).pack())])
    elif found.items:
        rows.append([as_file])
    if not found.closed:
        rows.append([_b(t, "missing.button.close", AskClose(period).pack())])
    rows.append([_b(t, "missing.button.waive", AskWaiver().pack())])
    rows.append([_b(t, "missing.button.periods", ChoosePeriod().pack())])
    return InlineKeyboardMarkup(rows)


def periods(labels: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text, callback_data=ShowPeriod(code).pack()) for code, text in labels
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def extension_organisations(
    period: str, owing: Mapping[int, str]
) -> tuple[InlineKeyboardMarkup, int]:
    """A button per owing organisation, as many as Telegram takes; and how many did not fit."""
    rows, left_out = fit_keyboard(
        [
            InlineKeyboardButton(name, callback_data=ExtensionOrganisation(period, org).pack())
            for org, name in owing.items()
        ]
    )
    return InlineKeyboardMarkup(rows), left_out


def extension_days(
    t: Translate, period: str, organisation: int, choices: Sequence[int]
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _b(t, "missing.button.days", ExtensionDays(period, organisation, d).pack(), count=d)
                for d in choices
            ]
        ]
    )


def waiver_days(choices: Sequence[tuple[date, str]]) -> InlineKeyboardMarkup:
    """One button per cut-off day: what ended before it is waived."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text, callback_data=WaiverDay(day.isoformat()).pack())]
            for day, text in choices
        ]
    )


def confirm_waiver(t: Translate, before: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _b(t, "missing.button.waive_yes", Waive(before.isoformat()).pack()),
                _b(t, "missing.button.waive_no", KeepWaiver().pack()),
            ]
        ]
    )


def confirm_close(t: Translate, period: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _b(t, "missing.button.close_yes", Close(period).pack()),
                _b(t, "missing.button.back", ShowPeriod(period).pack()),
            ]
        ]
    )
