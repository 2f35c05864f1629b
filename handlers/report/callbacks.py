"""The buttons of /melden (`rep:`) and of files of values (`vf:`), one kind each: the keyboards
pack them, the registration table matches their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData


@dataclass(frozen=True)
class Cancel(CallbackData):
    TEMPLATE = "rep:cancel"


@dataclass(frozen=True)
class Change(CallbackData):
    TEMPLATE = "rep:change"


@dataclass(frozen=True)
class OpenItem(CallbackData):
    TEMPLATE = "rep:o:<obligation_id>"
    obligation_id: int


@dataclass(frozen=True)
class Done(CallbackData):
    TEMPLATE = "rep:done"


@dataclass(frozen=True)
class ChooseOrganisation(CallbackData):
    TEMPLATE = "rep:org:<organisation_id>"
    organisation_id: int


@dataclass(frozen=True)
class MenuPage(CallbackData):
    TEMPLATE = "rep:p:<page>"
    page: int


@dataclass(frozen=True)
class IndicatorPage(CallbackData):
    TEMPLATE = "rep:i:<indicator_id>:<page>"
    indicator_id: int
    page: int


@dataclass(frozen=True)
class Corrections(CallbackData):
    TEMPLATE = "rep:fix"


@dataclass(frozen=True)
class SaveBacklog(CallbackData):
    TEMPLATE = "rep:bl:save"


@dataclass(frozen=True)
class Correct(CallbackData):
    TEMPLATE = "rep:correct"


@dataclass(frozen=True)
class PressedValue(CallbackData):
    TEMPLATE = "rep:v:<value>"
    value: int


@dataclass(frozen=True)
class NotApplicable(CallbackData):
    TEMPLATE = "rep:na"


@dataclass(frozen=True)
class Pick(CallbackData):
    TEMPLATE = "rep:pick:<index>"
    index: int


@dataclass(frozen=True)
class NoNote(CallbackData):
    TEMPLATE = "rep:nonote"


@dataclass(frozen=True)
class Save(CallbackData):
    TEMPLATE = "rep:save"


@dataclass(frozen=True)
class SaveFile(CallbackData):
    TEMPLATE = "vf:ok:<token>"
    token: int


@dataclass(frozen=True)
class CancelFile(CallbackData):
    TEMPLATE = "vf:no:<token>"
    token: int
