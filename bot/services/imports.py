"""Importing values from CSV or XLSX (DESIGN section 4): the export's own format or a simple
one (indicator, organisation, period, value). Every row is checked like chat input, except
that past and closed periods are allowed; nothing is written unless every row is valid.
Imported values are marked as such: they count as reported, without an on-time status.

A row equal to what is stored (the same revision, or else the latest) changes nothing, so an
exported file imported back leaves the database as it was.

The command line imports without an actor; a file sent in chat (bot/services/report/value_files.py)
names the coordinator who confirmed it, as `reported_by` of every value it writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.periods import Period
from bot.services.report.number_reader import Ambiguous, Kind, Rejected, Spec, read_value, validate
from bot.services.table_reader import CellValue, Table
from storage.models import Indicator, IndicatorValue, Organisation, ValueSource

REQUIRED = ("indicator", "organisation", "period")
# (indicator, organisation, period) -> revision -> (value or None, note)
Stored = dict[tuple[int, int, str], dict[int, tuple[float | None, str]]]
TRUE = {"ja", "yes", "true", "wahr", "1", "x"}
MAX_NOTE = 500


@dataclass(frozen=True)
class Problem:
    """`detail` is what the command line prints; for `bad_value`, `value`, `reason` (a
    number_reader.Reason) and `bounds` say the same in parts, for a chat answer in words."""

    row: int
    column: str | None
    code: str
    detail: str = ""
    value: str = ""
    reason: str = ""
    bounds: tuple[float | None, float | None] = (None, None)


@dataclass
class Outcome:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Per organisation id: values written (or, in a dry run, that would be) and unchanged.
    written_by_organisation: Counter[int] = field(default_factory=Counter)
    unchanged_by_organisation: Counter[int] = field(default_factory=Counter)
    # The period codes of every valid row, written or unchanged.
    periods: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Entry:
    indicator: Indicator
    organisation_id: int
    period: str
    value: float | None
    note: str
    revision: int | None


async def import_values(
    session: AsyncSession,
    table: Table,
    *,
    language: str,
    now: datetime,
    dry_run: bool = False,
    actor: int | None = None,
) -> Outcome:
    """Check every row, then write the values that differ from what is stored (unless
    `dry_run` or any row has a problem). `actor`: the member id the values are reported by."""
    outcome = Outcome(rows=len(table.rows))
    missing = [c for c in (*REQUIRED, "value") if c not in table.columns]
    if missing and not ("not_applicable" in table.columns and missing == ["value"]):
        outcome.problems.append(Problem(1, missing[0], "missing_column"))
        return outcome
    indicators = {i.code: i for i in (await session.scalars(select(Indicator))).all()}
    organisations = dict((await session.execute(select(Organisation.code, Organisation.id))).all())
    entries = []
    for row in table.rows:
        entry = _entry(row.number, row.cells, indicators, organisations, language, outcome)
        if entry is not None:
            entries.append(entry)
    if outcome.problems:
        return outcome
    stored = await _stored(session)
    for entry in entries:
        key = (entry.indicator.id, entry.organisation_id, entry.period)
        revisions = stored.setdefault(key, {})
        same = revisions.get(entry.revision) if entry.revision else None
        latest = revisions[max(revisions)] if revisions else None
        outcome.periods.add(entry.period)
        if (same or latest) == (entry.value, entry.note):
            outcome.unchanged += 1
            outcome.unchanged_by_organisation[entry.organisation_id] += 1
            continue
        revision = max(revisions, default=0) + 1
        revisions[revision] = (entry.value, entry.note)
        outcome.written += 1
        outcome.written_by_organisation[entry.organisation_id] += 1
        if not dry_run:
            session.add(
                IndicatorValue(
                    indicator_id=entry.indicator.id,
                    organisation_id=entry.organisation_id,
                    period=entry.period,
                    value=entry.value,
                    not_applicable=entry.value is None,
                    note=entry.note,
                    revision=revision,
                    reported_by=actor,
                    source=ValueSource.IMPORT,
                    reported_at=now,
                )
            )
    return outcome


def _entry(
    number: int,
    cells: dict[str, CellValue],
    indicators: dict[str, Indicator],
    organisations: dict[str, int],
    language: str,
    outcome: Outcome,
) -> _Entry | None:
    def problem(column: str | None, code: str, detail: object = "", **parts: Any) -> None:
        outcome.problems.append(Problem(number, column, code, str(detail), **parts))

    text = {c: ("" if cells.get(c) is None else str(cells.get(c)).strip()) for c in REQUIRED}
    indicator = indicators.get(text["indicator"])
    if indicator is None:
        problem("indicator", "unknown_indicator", text["indicator"])
    organisation = organisations.get(text["organisation"])
    if organisation is None:
        problem("organisation", "unknown_organisation", text["organisation"])
    try:
        period = Period.parse(text["period"])
    except ValueError:
        problem("period", "bad_period", text["period"])
        return None
    if indicator is None or organisation is None:
        return None
    if period.frequency != indicator.frequency:
        problem("period", "wrong_frequency", text["period"])
        return None
    value = _value(cells, indicator, language, problem)
    note = "" if cells.get("note") is None else str(cells.get("note")).strip()
    if len(note) > MAX_NOTE:
        problem("note", "note_too_long", len(note))
    revision = cells.get("revision")
    if value is False or len(note) > MAX_NOTE:
        return None
    return _Entry(
        indicator=indicator,
        organisation_id=organisation,
        period=period.code,
        value=value,
        note=note,
        revision=_revision(revision),
    )


def _revision(cell: CellValue) -> int | None:
    """The revision column of an export: a number in XLSX, text in CSV; else none."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return int(cell)
    if isinstance(cell, str) and cell.strip().isdigit():
        return int(cell.strip())
    return None


def _value(
    cells: dict[str, CellValue], indicator: Indicator, language: str, problem: object
) -> float | bool | None:
    """The checked value; None for "not applicable"; False after reporting a problem."""
    report = problem  # a callable(column, code, detail)
    assert callable(report)
    flag = cells.get("not_applicable")
    if flag is True or (isinstance(flag, str) and flag.strip().lower() in TRUE):
        return None
    raw = cells.get("value")
    spec = Spec(Kind(indicator.type), indicator.min_value, indicator.max_value)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        report("value", "missing_value")
        return False
    if isinstance(raw, bool):
        raw = 1.0 if raw else 0.0
    answer = (
        validate(float(raw), spec)
        if isinstance(raw, int | float)
        else read_value(str(raw), spec, language)
    )
    if isinstance(answer, Rejected):
        reason = answer.reason.value
        report(
            "value",
            "bad_value",
            f"{raw}: {reason}",
            value=str(raw),
            reason=reason,
            bounds=spec.bounds,
        )
        return False
    if isinstance(answer, Ambiguous):
        report("value", "ambiguous_value", raw)
        return False
    return answer.value


async def _stored(session: AsyncSession) -> Stored:
    rows = await session.execute(
        select(
            IndicatorValue.indicator_id,
            IndicatorValue.organisation_id,
            IndicatorValue.period,
            IndicatorValue.revision,
            IndicatorValue.value,
            IndicatorValue.not_applicable,
            IndicatorValue.note,
        )
    )
    stored: Stored = {}
    for indicator, organisation, period, revision, value, not_applicable, note in rows:
        stored.setdefault((indicator, organisation, period), {})[revision] = (
            None if not_applicable else value,
            note,
        )
    return stored
