"""The draft of /report (/melden), shared by its two halves and the summary text."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.telegram.drafts import Draft


class ReportDraft(Draft):
    key: ClassVar[str] = "report"

    # -1: none chosen yet; the services then find nothing rather than another's data.
    organisation: int = -1
    # The indicator whose page is shown: text typed there may be a backlog of it.
    indicator: int | None = None
    obligation: int = -1
    # The revision the person saw when asked, so a concurrent change is noticed on saving.
    seen_revision: int = -1
    # None: "not applicable".
    value: float | None = None
    note: str = ""
    # The fitting readings of an ambiguous number, in the order of their buttons.
    readings: list[float] = Field(default_factory=list)
    # (obligation, period, value) of every value a backlog text was understood to hold.
    backlog: list[tuple[int, str, float | None]] = Field(default_factory=list)
