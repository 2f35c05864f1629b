"""The buttons of /ausstehend (`mis:`), one kind each: the keyboards pack them, the registration
table matches their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData

PERIOD = r"[\w-]+"
DAY = r"\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class ShowPeriod(CallbackData):
    TEMPLATE = f"mis:p:<period={PERIOD}>"
    period: str


@dataclass(frozen=True)
class ChoosePeriod(CallbackData):
    TEMPLATE = "mis:periods"


@dataclass(frozen=True)
class Nudge(CallbackData):
    TEMPLATE = f"mis:nudge:<period={PERIOD}>"
    period: str


@dataclass(frozen=True)
class AsFile(CallbackData):
    TEMPLATE = f"mis:file:<period={PERIOD}>"
    period: str


@dataclass(frozen=True)
class AskExtension(CallbackData):
    TEMPLATE = f"mis:ext:<period={PERIOD}>"
    period: str


@dataclass(frozen=True)
class ExtensionOrganisation(CallbackData):
    TEMPLATE = f"mis:exo:<period={PERIOD}>:<organisation_id>"
    period: str
    organisation_id: int


@dataclass(frozen=True)
class ExtensionDays(CallbackData):
    TEMPLATE = f"mis:exd:<period={PERIOD}>:<organisation_id>:<days>"
    period: str
    organisation_id: int
    days: int


@dataclass(frozen=True)
class AskClose(CallbackData):
    TEMPLATE = f"mis:close:<period={PERIOD}>"
    period: str


@dataclass(frozen=True)
class Close(CallbackData):
    TEMPLATE = f"mis:closey:<period={PERIOD}>"
    period: str


@dataclass(frozen=True)
class AskWaiver(CallbackData):
    TEMPLATE = "mis:wv"


@dataclass(frozen=True)
class WaiverDay(CallbackData):
    """The cut-off day (ISO): what ended before it is waived."""

    TEMPLATE = f"mis:wvd:<day={DAY}>"
    day: str


@dataclass(frozen=True)
class Waive(CallbackData):
    TEMPLATE = f"mis:wvy:<day={DAY}>"
    day: str


@dataclass(frozen=True)
class KeepWaiver(CallbackData):
    TEMPLATE = "mis:wvn"
