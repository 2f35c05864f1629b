"""Apply a checked initiative file: create, update, and deactivate what left the file.

Applying the same file twice changes nothing. Entries are matched by code (glossary: term);
a file entry that disappeared is deactivated, its data stays; entries made in chat are never
touched. A start moved later (the initiative's, an indicator's, an organisation's `since`)
removes the unreported obligations before it; reported ones stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.initiative_file import (
    GoalEntry,
    IndicatorEntry,
    InitiativeFile,
    OrganisationEntry,
    ReminderEntry,
)
from bot.services.obligations import Written, remove_before_start
from storage.models import (
    GlossaryTerm,
    Goal,
    Indicator,
    Initiative,
    Organisation,
    Origin,
    Schedule,
)

INITIATIVE_ID = 1


@dataclass
class ApplyReport:
    """What changed, per section: names of created, updated and deactivated entries; and
    per organisation id how many unreported obligations before a start moved later went."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    deactivated: dict[str, list[str]] = field(default_factory=dict)
    removed_obligations: dict[int, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return (
            any(self.created.values())
            or any(self.updated.values())
            or any(self.deactivated.values())
            or bool(self.removed_obligations)
        )


@dataclass(frozen=True)
class Owing:
    """What applying means for one organisation's reports."""

    organisation_name: str
    created: int
    overdue: int
    removed: int


async def initiative_language(session: AsyncSession) -> str | None:
    """The initiative's default language, once the initiative file was applied."""
    row = await session.get(Initiative, INITIATIVE_ID)
    return row.default_language if row else None


async def apply_initiative(
    session: AsyncSession, parsed: InitiativeFile, today: date | None = None
) -> ApplyReport:
    """Make the database match the file. `today` (the initiative's local date) dates
    organisations that join a running initiative, so they owe reports only from then on."""
    report = ApplyReport()
    running = await session.get(Initiative, INITIATIVE_ID) is not None
    await _apply_initiative_row(session, parsed, report)
    organisations = await _sync(
        session,
        report,
        "organisations",
        Organisation,
        Organisation.code,
        [(o.code, _organisation_values(o)) for o in parsed.organisations],
    )
    joined = report.created.get("organisations", []) if running and today else []
    for organisation_entry in parsed.organisations:
        if organisation_entry.code in joined and organisation_entry.since is None:
            organisations[organisation_entry.code].active_since = today
    goals = await _sync(
        session,
        report,
        "goals",
        Goal,
        Goal.code,
        [(g.code, _goal_values(g, i)) for i, g in enumerate(parsed.goals)],
    )
    indicators = await _sync(
        session,
        report,
        "indicators",
        Indicator,
        Indicator.code,
        [
            (ind.code, _indicator_values(ind, i, goals[ind.goal].id))
            for i, ind in enumerate(parsed.indicators)
        ],
    )
    for entry in parsed.indicators:
        wanted = {organisations[c] for c in entry.reported_by if c != "*"}
        indicator = indicators[entry.code]
        current = set(await indicator.awaitable_attrs.reporters)
        if current != wanted:
            indicator.reporters = sorted(wanted, key=lambda o: o.code)
            _note(report.updated, "indicators", entry.code, report)
    await _sync(
        session,
        report,
        "glossary",
        GlossaryTerm,
        GlossaryTerm.term,
        [
            (
                g.term,
                {
                    "definition_de": g.definition.de,
                    "definition_en": g.definition.english(),
                    "position": i,
                },
            )
            for i, g in enumerate(parsed.glossary)
        ],
    )
    rules = {s.code: (s.rrule, s.starts) for s in (await session.scalars(select(Schedule))).all()}
    reminders = await _sync(
        session,
        report,
        "reminders",
        Schedule,
        Schedule.code,
        [(r.code, _reminder_values(r)) for r in parsed.reminders],
    )
    for code, schedule in reminders.items():
        if rules.get(code, (schedule.rrule, schedule.starts)) != (schedule.rrule, schedule.starts):
            schedule.next_fire_at = None  # a new rhythm: the engine computes the next time
    report.removed_obligations = await remove_before_start(session)
    return report


async def owing_after(
    session: AsyncSession, report: ApplyReport, written: Sequence[Written], now: datetime
) -> list[Owing]:
    """Per organisation (by name), the obligations applying created, how many of them were
    overdue at once, and how many it removed; organisations without any are left out."""
    counts: dict[int, list[int]] = {}
    for item in written:
        entry = counts.setdefault(item.organisation_id, [0, 0, 0])
        entry[0] += 1
        entry[1] += item.due_at < now
    for organisation_id, removed in report.removed_obligations.items():
        counts.setdefault(organisation_id, [0, 0, 0])[2] += removed
    if not counts:
        return []
    names = dict(
        (
            await session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(counts))
            )
        ).all()
    )
    return sorted(
        (Owing(names[i], *entry) for i, entry in counts.items()),
        key=lambda owing: owing.organisation_name,
    )


async def _apply_initiative_row(
    session: AsyncSession, parsed: InitiativeFile, report: ApplyReport
) -> None:
    section = parsed.initiative
    values = {
        "name": section.name,
        "timezone": section.timezone,
        "default_language": section.default_language,
        "start": section.start,
        "holidays": section.holidays,
        "agenda_de": section.agenda.de if section.agenda else "",
        "agenda_en": section.agenda.english() if section.agenda else "",
        "districts": list(section.districts),
        "target_groups": list(section.target_groups),
    }
    row = await session.get(Initiative, INITIATIVE_ID)
    if row is None:
        session.add(Initiative(id=INITIATIVE_ID, **values))
        report.created["initiative"] = [section.name]
    elif _assign(row, values):
        report.updated["initiative"] = [section.name]


async def _sync(
    session: AsyncSession,
    report: ApplyReport,
    section: str,
    model: type[Any],
    key_column: Any,
    entries: Sequence[tuple[str, dict[str, Any]]],
) -> dict[str, Any]:
    """Make the file entries of `model` match `entries`; return all rows of the file by key."""
    key = key_column.key
    existing = {getattr(row, key): row for row in (await session.scalars(select(model))).all()}
    rows: dict[str, Any] = {}
    for name, values in entries:
        values = {**values, "origin": Origin.FILE.value, "active": True}
        row = existing.get(name)
        if row is None:
            row = model(**{key: name}, **values)
            session.add(row)
            report.created.setdefault(section, []).append(name)
        elif _assign(row, values):
            _note(report.updated, section, name, report)
        rows[name] = row
    for name, row in existing.items():
        if name not in rows and row.origin == Origin.FILE and row.active:
            row.active = False
            report.deactivated.setdefault(section, []).append(name)
    await session.flush()
    return rows


def _note(bucket: dict[str, list[str]], section: str, name: str, report: ApplyReport) -> None:
    if name not in bucket.setdefault(section, []) and name not in report.created.get(section, []):
        bucket[section].append(name)


def _assign(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _organisation_values(entry: OrganisationEntry) -> dict[str, Any]:
    values = {
        "name": entry.name,
        "kind": entry.kind,
        "backbone": entry.backbone,
        "show_activities": entry.show_activities,
    }
    return values | ({"active_since": entry.since} if entry.since else {})


def _goal_values(entry: GoalEntry, position: int) -> dict[str, Any]:
    return {
        "title_de": entry.title.de,
        "title_en": entry.title.english(),
        "description_de": entry.description.de if entry.description else "",
        "description_en": entry.description.english() if entry.description else "",
        "position": position,
    }


def _indicator_values(entry: IndicatorEntry, position: int, goal_id: int) -> dict[str, Any]:
    target = entry.target
    return {
        "name_de": entry.name.de,
        "name_en": entry.name.english(),
        "short_de": entry.short_de or "",
        "short_en": entry.short_en or (entry.short_de if entry.name.en is None else None) or "",
        "unit": entry.unit,
        "type": entry.type,
        "min_value": entry.min,
        "max_value": entry.max,
        "frequency": entry.frequency,
        "aggregation": entry.aggregation,
        "goal_id": goal_id,
        "level": entry.level,
        "baseline": entry.baseline,
        "target_value": target.value if target else None,
        "target_by": target.by if target else None,
        "target_mode": target.mode if target else None,
        "due_days": entry.due_days,
        "note_on_implausible": entry.note_on_implausible,
        "reported_by_all": "*" in entry.reported_by,
        "start": entry.start,
        "position": position,
    }


def _reminder_values(entry: ReminderEntry) -> dict[str, Any]:
    audience = entry.audience.model_dump(exclude_none=True) if entry.audience else None
    questions = (
        [{"code": q.code, "de": q.text.de, "en": q.text.english()} for q in entry.questions]
        if entry.questions
        else None
    )
    return {
        "kind": entry.kind,
        "rrule": entry.rrule,
        "starts": entry.starts,
        "offsets_days": entry.offsets_days,
        "escalate_after_days": entry.escalate_after_days,
        "audience": audience,
        "text_de": entry.text.de if entry.text else "",
        "text_en": entry.text.english() if entry.text else "",
        "questions": questions,
    }
