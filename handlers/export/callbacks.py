"""The buttons of /export (`exp:`): what, then the format, then the period, one kind each: the
keyboards pack them, the registration table and the conversation match their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData

WHAT = "values|concerns|pulse|activities"
FORMAT = "csv|xlsx"


@dataclass(frozen=True)
class ExportWhat(CallbackData):
    TEMPLATE = f"exp:<what={WHAT}>"
    what: str


@dataclass(frozen=True)
class ExportFormat(CallbackData):
    TEMPLATE = f"exp:<what={WHAT}>:<file_format={FORMAT}>"
    what: str
    file_format: str


@dataclass(frozen=True)
class ExportPeriod(CallbackData):
    TEMPLATE = f"exp:<what={WHAT}>:<file_format={FORMAT}>:<period=this|last|all>"
    what: str
    file_format: str
    period: str


@dataclass(frozen=True)
class ExportRange(CallbackData):
    """A period of one's own: the conversation asks for it."""

    TEMPLATE = f"exp:<what={WHAT}>:<file_format={FORMAT}>:range"
    what: str
    file_format: str


def period_data(what: str, file_format: str, period: str) -> str:
    if period == "range":
        return ExportRange(what, file_format).pack()
    return ExportPeriod(what, file_format, period).pack()
