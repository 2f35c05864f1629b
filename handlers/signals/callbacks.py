"""The buttons under a signal (`sig:`), one kind each: the keyboard packs them, the registration
table matches their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData


@dataclass(frozen=True)
class Seen(CallbackData):
    TEMPLATE = "sig:a:<signal_id>"
    signal_id: int


@dataclass(frozen=True)
class Later(CallbackData):
    TEMPLATE = "sig:s:<signal_id>"
    signal_id: int


@dataclass(frozen=True)
class Details(CallbackData):
    TEMPLATE = "sig:o:<signal_id>"
    signal_id: int


@dataclass(frozen=True)
class Ask(CallbackData):
    TEMPLATE = "sig:m:<signal_id>"
    signal_id: int
