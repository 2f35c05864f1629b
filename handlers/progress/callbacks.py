"""The buttons of /fortschritt (`prg:`): the overview or one goal's chart."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData


@dataclass(frozen=True)
class Chart(CallbackData):
    """`all` for the overview, else a goal's id."""

    TEMPLATE = r"prg:<goal=all|\d+>"
    goal: str
