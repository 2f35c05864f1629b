"""The buttons of reminders: the answers to a meeting (`rsvp:`), the coordinators' list (`rem:`)
and adding a reminder (`radd:`), one kind each: the keyboards pack them, the registration table
matches their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData


@dataclass(frozen=True)
class Rsvp(CallbackData):
    """A member's answer to a meeting on one day (yyyymmdd)."""

    TEMPLATE = r"rsvp:<schedule_id>:<day=\d{8}>:<answer=yes|no>"
    schedule_id: int
    day: str
    answer: str


@dataclass(frozen=True)
class PauseOrResume(CallbackData):
    TEMPLATE = "rem:<action=pause|resume>:<schedule_id>"
    action: str
    schedule_id: int


@dataclass(frozen=True)
class ShowAnswers(CallbackData):
    TEMPLATE = "rem:rsvp:<schedule_id>"
    schedule_id: int


@dataclass(frozen=True)
class AddReminder(CallbackData):
    TEMPLATE = "rem:add"


@dataclass(frozen=True)
class AddCancel(CallbackData):
    TEMPLATE = "radd:cancel"


@dataclass(frozen=True)
class AddKind(CallbackData):
    TEMPLATE = "radd:kind:<kind=meeting|custom>"
    kind: str


@dataclass(frozen=True)
class AddEvery(CallbackData):
    TEMPLATE = "radd:every:<weeks=[1-4]>"
    weeks: int


@dataclass(frozen=True)
class AddMonthly(CallbackData):
    TEMPLATE = "radd:monthly"


@dataclass(frozen=True)
class AddNth(CallbackData):
    TEMPLATE = "radd:nth:<nth=-1|[1-4]>"
    nth: str


@dataclass(frozen=True)
class AddWeekday(CallbackData):
    TEMPLATE = "radd:day:<weekday=[0-6]>"
    weekday: int


@dataclass(frozen=True)
class AddHour(CallbackData):
    TEMPLATE = r"radd:hour:<hour=\d{1,2}>"
    hour: int


@dataclass(frozen=True)
class AddAudience(CallbackData):
    TEMPLATE = "radd:aud:<audience=all|partners|coordinators>"
    audience: str


@dataclass(frozen=True)
class AddSave(CallbackData):
    TEMPLATE = "radd:save"
