"""/ausstehend's "Als Datei": a period's reporting status as a table - what is missing first,
then what arrived, with the due day and whether it came on time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.exports import Export
from bot.services.missing.completeness import known_period
from bot.services.outbox import local_zone
from bot.services.periods import due_date_of
from bot.services.table_files import Value

COMPLETENESS_COLUMNS = (
    "period",
    "organisation",
    "indicator_code",
    "indicator",
    "due_on",
    "reported",
    "on_time",
)


@dataclass(frozen=True)
class StatusTable:
    table: Export
    missing: int


async def completeness_table(session: AsyncSession, period: str, language: str) -> StatusTable:
    found = await known_period(session, period)
    zone = await local_zone(session)
    # Missing first: the list is for chasing them; the order within stays the overview's.
    items = sorted(found.items, key=lambda item: item.reported)
    rows: list[list[Value]] = [
        [
            period,
            item.organisation_name,
            item.indicator_code,
            item.name(language),
            due_date_of(item.due_at, zone),
            item.reported,
            item.on_time,
        ]
        for item in items
    ]
    return StatusTable(Export(COMPLETENESS_COLUMNS, rows, zone), len(found.missing))
