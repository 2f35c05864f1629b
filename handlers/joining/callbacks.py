"""The buttons of joining (`join:`), one kind each: the keyboards pack them, the conversation
matches their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData


@dataclass(frozen=True)
class Consent(CallbackData):
    TEMPLATE = "join:consent"


@dataclass(frozen=True)
class Decline(CallbackData):
    TEMPLATE = "join:decline"


@dataclass(frozen=True)
class Language(CallbackData):
    TEMPLATE = "join:lang:<language=de|en>"
    language: str


@dataclass(frozen=True)
class TakeName(CallbackData):
    TEMPLATE = "join:name"
