"""Keyboards of joining: consent, language, name."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Html
from bot.presentation.keyboards import Translate
from handlers.joining.callbacks import (
    Consent,
    Decline,
    Language,
    TakeName,
)


def consent(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("join.button.agree"), callback_data=Consent().pack()),
                InlineKeyboardButton(t("join.button.decline"), callback_data=Decline().pack()),
            ]
        ]
    )


def join_language() -> InlineKeyboardMarkup:
    # Each language named in itself: the person has not chosen one yet.
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Deutsch", callback_data=Language("de").pack()),
                InlineKeyboardButton("English", callback_data=Language("en").pack()),
            ]
        ]
    )


def take_name(t: Translate, name: str) -> InlineKeyboardMarkup:
    # Html: button labels are plain text, so the name must not be HTML-escaped.
    label = t("join.button.take_name", name=Html(name))
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=TakeName().pack())]])
