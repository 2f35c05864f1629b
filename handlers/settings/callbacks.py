"""The buttons of the settings (`set:`) and of one's own data (`mydata:`), one kind each: the
keyboards pack them, the registration table matches their patterns."""

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


@dataclass(frozen=True)
class Menu(CallbackData):
    TEMPLATE = "set:menu"


@dataclass(frozen=True)
class AskLanguage(CallbackData):
    TEMPLATE = "set:lang"


@dataclass(frozen=True)
class AskHour(CallbackData):
    TEMPLATE = "set:hour"


@dataclass(frozen=True)
class AskQuiet(CallbackData):
    TEMPLATE = "set:quiet"


@dataclass(frozen=True)
class AskPause(CallbackData):
    TEMPLATE = "set:pause"


@dataclass(frozen=True)
class SwitchDigest(CallbackData):
    TEMPLATE = "set:digest"


@dataclass(frozen=True)
class SettingsDone(CallbackData):
    TEMPLATE = "set:done"


@dataclass(frozen=True)
class SaveLanguage(CallbackData):
    TEMPLATE = "set:lang:<language>"
    language: str


@dataclass(frozen=True)
class SaveHour(CallbackData):
    TEMPLATE = "set:hour:<hour>"
    hour: int


@dataclass(frozen=True)
class QuietFrom(CallbackData):
    TEMPLATE = "set:quiet_from:<hour>"
    hour: int


@dataclass(frozen=True)
class QuietOff(CallbackData):
    TEMPLATE = "set:quiet_off"


@dataclass(frozen=True)
class QuietTo(CallbackData):
    TEMPLATE = "set:quiet_to:<hour>"
    hour: int


@dataclass(frozen=True)
class SavePause(CallbackData):
    TEMPLATE = r"set:pause:<days=\d+|end>"
    days: str


# The menu's steps and the hour choices, by the names their keyboards use.
STEPS = {"lang": AskLanguage, "hour": AskHour, "quiet": AskQuiet, "pause": AskPause}
HOURS = {"hour": SaveHour, "quiet_from": QuietFrom, "quiet_to": QuietTo}
