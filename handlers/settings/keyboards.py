"""Keyboards of the settings (/einstellungen)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.presentation.keyboards import Translate, rows_of
from handlers.settings.callbacks import (
    HOURS,
    STEPS,
    Menu,
    QuietOff,
    SaveLanguage,
    SavePause,
    SettingsDone,
    SwitchDigest,
)


def _back(t: Translate) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t("settings.button.back"), callback_data=Menu().pack())]


def settings_menu(t: Translate, digest: bool = True) -> InlineKeyboardMarkup:
    steps = ("lang", "hour", "quiet", "pause")
    buttons = [
        InlineKeyboardButton(t(f"settings.button.{s}"), callback_data=STEPS[s]().pack())
        for s in steps
    ]
    # One button switches the weekly digest: it says what pressing it does.
    toggle = t("settings.button.digest_off" if digest else "settings.button.digest_on")
    return InlineKeyboardMarkup(
        [
            *rows_of(buttons, 2),
            [InlineKeyboardButton(toggle, callback_data=SwitchDigest().pack())],
            [InlineKeyboardButton(t("settings.button.done"), callback_data=SettingsDone().pack())],
        ]
    )


def language_choice(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("language.de"), callback_data=SaveLanguage("de").pack()),
                InlineKeyboardButton(t("language.en"), callback_data=SaveLanguage("en").pack()),
            ],
            _back(t),
        ]
    )


def hour_choice(
    t: Translate, action: str, hours: Iterable[int], extra: Sequence[InlineKeyboardButton] = ()
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t("settings.hour", hour=h), callback_data=HOURS[action](h).pack())
        for h in hours
    ]
    return InlineKeyboardMarkup([*rows_of(buttons, 4), *([list(extra)] if extra else []), _back(t)])


def quiet_start_choice(t: Translate, hours: Iterable[int]) -> InlineKeyboardMarkup:
    off = InlineKeyboardButton(t("settings.quiet.off"), callback_data=QuietOff().pack())
    return hour_choice(t, "quiet_from", hours, [off])


def pause_choice(t: Translate, days: Iterable[int], paused: bool) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t(f"settings.pause.days_{d}"), callback_data=SavePause(str(d)).pack())
        for d in days
    ]
    rows = [buttons]
    if paused:
        end = InlineKeyboardButton(t("settings.pause.end"), callback_data=SavePause("end").pack())
        rows.append([end])
    return InlineKeyboardMarkup([*rows, _back(t)])
