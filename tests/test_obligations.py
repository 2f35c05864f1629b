"""Obligations and aggregation on SQLite and PostgreSQL: due times across daylight saving and
public holidays, organisations joining later, idempotency; every aggregation and target mode."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import aggregation
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.services.obligations import ensure_obligations
from storage.models import Indicator, Obligation, Organisation
from tests.conftest import apply_initiative_text

INITIATIVE = """
[initiative]
name = "Test"
timezone = "Europe/Berlin"
default_language = "de"
start = 2026-01-01
holidays = "DE-NI"

[[organisations]]
code = "koordination"
name = "Koordination"
backbone = true

[[organisations]]
code = "awo"
name = "AWO"

[[goals]]
code = "ziel"
title = { de = "Ziel" }

[[indicators]]
code = "woche"
name = { de = "Wöchentlich" }
type = "integer"
frequency = "weekly"
aggregation = "sum"
goal = "ziel"
level = "output"
due_days = 7
reported_by = ["*"]

[[indicators]]
code = "monat"
name = { de = "Monatlich" }
type = "integer"
frequency = "monthly"
aggregation = "sum"
goal = "ziel"
level = "output"
due_days = 1
reported_by = ["*"]
"""


@pytest.fixture
async def sessions(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> async_sessionmaker[AsyncSession]:
    await apply_initiative_text(sessions, INITIATIVE, tmp_path)
    return sessions


async def due(sessions: async_sessionmaker[AsyncSession], indicator: str, period: str) -> datetime:
    async with sessions() as session:
        found = await session.scalar(
            select(Obligation.due_at)
            .join(Indicator, Indicator.id == Obligation.indicator_id)
            .where(Indicator.code == indicator, Obligation.period == period)
        )
    assert found is not None, (indicator, period)
    return found


async def test_due_times_across_daylight_saving_and_holidays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        created = await ensure_obligations(session, datetime(2027, 1, 5, 12, tzinfo=UTC))
    # 53 ISO weeks of 2026 (from the week holding 1 January) + week 1 of 2027; 12 months + 1.
    assert created == 54 + 13
    # Week 12 ends 22 March; +7 days is 29 March, when clocks go forward: local midnight
    # after it is 22:00 UTC.
    assert await due(sessions, "woche", "2026-W12") == datetime(2026, 3, 29, 22, tzinfo=UTC)
    # Week 42 ends 18 October; +7 is 25 October, when clocks go back: 23:00 UTC.
    assert await due(sessions, "woche", "2026-W42") == datetime(2026, 10, 25, 23, tzinfo=UTC)
    # April ends on the 30th; +1 is 1 May, a public holiday: due at the end of 2 May.
    assert await due(sessions, "monat", "2026-04") == datetime(2026, 5, 2, 22, tzinfo=UTC)
    # December + 1 is New Year's Day: the end of 2 January.
    assert await due(sessions, "monat", "2026-12") == datetime(2027, 1, 2, 23, tzinfo=UTC)
    async with sessions.begin() as session:
        assert await ensure_obligations(session, datetime(2027, 1, 5, 12, tzinfo=UTC)) == 0


async def test_the_backbone_owes_nothing_and_latecomers_owe_from_their_start(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        session.add(Organisation(code="neu", name="Neu", active_since=date(2026, 3, 10)))
        await session.execute(
            update(Indicator).where(Indicator.code == "woche").values(active=False)
        )
    async with sessions.begin() as session:
        await ensure_obligations(session, datetime(2026, 4, 2, 12, tzinfo=UTC))
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Organisation.code, Obligation.period)
                .join(Organisation, Organisation.id == Obligation.organisation_id)
                .order_by(Organisation.code, Obligation.period)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("awo", "2026-01"),
        ("awo", "2026-02"),
        ("awo", "2026-03"),
        ("awo", "2026-04"),
        ("neu", "2026-03"),
        ("neu", "2026-04"),
    ]


@pytest.mark.parametrize(
    ("values", "how", "kind", "expected"),
    [
        ([12, 8, 10], "sum", "integer", 30),
        ([12, 8, 10], "mean", "integer", 10),
        ([2.5, 6.0, 4.0], "max", "decimal", 6.0),
        ([70, 55, 90], "min", "percent", 55),
        ([1, 0, 1, 1], "mean", "boolean", 75),
        ([4, 3, 5], "sum", "scale", 4),  # a scale always averages
        ([], "sum", "integer", None),
    ],
)
def test_aggregations(values: list[float], how: str, kind: str, expected: float | None) -> None:
    assert aggregation.aggregate(values, how, kind) == expected


def test_progress_for_rising_and_falling_targets() -> None:
    per_period = {"2026-01": 30.0, "2026-02": 40.0}
    assert aggregation.current(per_period, "cumulative") == 70
    assert aggregation.current(per_period, "level") == 40
    assert aggregation.progress(70, 0, 500) == pytest.approx(0.14)
    # Waiting time from 6.5 weeks down to 2: at 4.25 weeks half the way is done.
    assert aggregation.progress(4.25, 6.5, 2.0) == pytest.approx(0.5)
    assert aggregation.progress(3, 3, 3) is None
    assert aggregation.visible(2, coordinator=False) is False
    assert aggregation.visible(3, coordinator=False) is True
    assert aggregation.visible(1, coordinator=True) is True


async def test_an_organisation_added_to_a_running_initiative_owes_from_that_day(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    later = INITIATIVE + '\n[[organisations]]\ncode = "spaet"\nname = "Später"\n'
    later += '\n[[organisations]]\ncode = "datiert"\nname = "Datiert"\nsince = 2026-02-01\n'
    path = tmp_path / "later.toml"
    path.write_text(textwrap.dedent(later), encoding="utf-8")
    async with sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(path), today=date(2026, 6, 15))
    async with sessions() as session:
        since = dict(
            (await session.execute(select(Organisation.code, Organisation.active_since))).all()
        )
    assert since == {
        "koordination": None,
        "awo": None,
        "spaet": date(2026, 6, 15),
        "datiert": date(2026, 2, 1),
    }
