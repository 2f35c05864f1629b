"""The buttons of pulse surveys: answering one (`pls:`), its results (`plr:`) and starting a new
one (`pln:`), one kind each: the keyboards pack them, the registration table matches their
patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData


@dataclass(frozen=True)
class StartAnswering(CallbackData):
    TEMPLATE = "pls:<survey_id>:go"
    survey_id: int


@dataclass(frozen=True)
class Score(CallbackData):
    TEMPLATE = "pls:<survey_id>:<question>:<score>"
    survey_id: int
    question: int
    score: int


@dataclass(frozen=True)
class NoComment(CallbackData):
    TEMPLATE = "pls:<survey_id>:done"
    survey_id: int


@dataclass(frozen=True)
class CancelAnswering(CallbackData):
    TEMPLATE = "pls:x"


@dataclass(frozen=True)
class Results(CallbackData):
    TEMPLATE = "plr:<survey_id>"
    survey_id: int


@dataclass(frozen=True)
class AskNewSurvey(CallbackData):
    TEMPLATE = "pln:ask"


@dataclass(frozen=True)
class StartNewSurvey(CallbackData):
    TEMPLATE = "pln:go"


@dataclass(frozen=True)
class CancelNewSurvey(CallbackData):
    TEMPLATE = "pln:no"
