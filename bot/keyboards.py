"""Keyboard builders: every finite choice is a button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def private_chat_link(label: str, bot_username: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=f"https://t.me/{bot_username}")]])
