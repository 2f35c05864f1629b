"""The buttons of one's own data (`mydata:`), one kind each: the keyboard packs them, the
registration table matches their patterns. (The settings' own buttons, `set:`, are still built
in bot/presentation/keyboards.py.)"""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData


@dataclass(frozen=True)
class Leave(CallbackData):
    TEMPLATE = "mydata:leave"


@dataclass(frozen=True)
class ConfirmLeave(CallbackData):
    TEMPLATE = "mydata:leave:confirm"


@dataclass(frozen=True)
class CancelLeave(CallbackData):
    TEMPLATE = "mydata:leave:cancel"
