"""Obligations and aggregation on SQLite and PostgreSQL: due times across daylight saving and
public holidays, organisations joining later, idempotency; every aggregation and target mode."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.services.obligations import ensure_obligations
from bot.services.progress import aggregation
from storage.models import Indicator, IndicatorValue, Obligation, Organisation
from tests.conftest import apply_initiative_text
from tests.statements import Work, counting

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


async def test_an_organisation_joining_later_in_the_year_stops_nothing_before_it_joins(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Found by the year test (issue 23): an organisation listed with a `since` still to come
    made writing obligations raise on every tick, /melden and /ausstehend until that day."""
    async with sessions.begin() as session:
        session.add(Organisation(code="juni", name="Juni", active_since=date(2026, 6, 1)))
    async with sessions.begin() as session:
        written = await ensure_obligations(session, datetime(2026, 2, 2, 12, tzinfo=UTC))
    assert written > 0
    async with sessions.begin() as session:
        await ensure_obligations(session, datetime(2026, 6, 2, 12, tzinfo=UTC))
    async with sessions() as session:
        first = await session.scalar(
            select(func.min(Obligation.period_start))
            .join(Organisation, Organisation.id == Obligation.organisation_id)
            .where(Organisation.code == "juni")
        )
    assert first == date(2026, 6, 1)


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


async def work_of_ensuring(sessions: async_sessionmaker[AsyncSession], now: datetime) -> Work:
    with counting(sessions.kw["bind"]) as work:
        async with sessions.begin() as session:
            await ensure_obligations(session, now)
    return work


async def test_writing_obligations_does_not_grow_with_the_history(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The hourly job, every tick, /melden and /ausstehend write what is owed: after two years
    of history that costs what it cost after one (statements run, rows read), and only what
    is new is written."""
    async with sessions.begin() as session:
        session.add(Organisation(code="caritas", name="Caritas"))
    # One year: up to Monday 4 January 2027 (ISO week 1 of 2027 starts that day).
    await work_of_ensuring(sessions, datetime(2027, 1, 4, 12, tzinfo=UTC))
    year_one_quiet = await work_of_ensuring(sessions, datetime(2027, 1, 5, 12, tzinfo=UTC))
    year_one_new_week = await work_of_ensuring(sessions, datetime(2027, 1, 11, 12, tzinfo=UTC))
    # Two years: up to Monday 3 January 2028 (ISO week 1 of 2028).
    await work_of_ensuring(sessions, datetime(2028, 1, 3, 12, tzinfo=UTC))
    year_two_quiet = await work_of_ensuring(sessions, datetime(2028, 1, 4, 12, tzinfo=UTC))
    year_two_new_week = await work_of_ensuring(sessions, datetime(2028, 1, 10, 12, tzinfo=UTC))
    assert year_two_quiet == year_one_quiet
    assert year_two_new_week == year_one_new_week
    # A look on a day when no period began reads the initiative row and nothing else: no
    # span, no mark (it runs on every tick and every /melden).
    assert year_one_quiet.rows == 1
    async with sessions() as session:
        weeks = await session.scalar(
            select(func.count())
            .select_from(Obligation)
            .join(Indicator, Indicator.id == Obligation.indicator_id)
            .where(Indicator.code == "woche")
        )
    # 53 + 52 weeks up to 2027-W52, and 2028-W01, 2028-W02, for two organisations.
    assert weeks == 2 * (53 + 52 + 2)


async def owed(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Indicator.code, Obligation.period)
            .join(Indicator, Indicator.id == Obligation.indicator_id)
            .order_by(Indicator.code, Obligation.period)
        )
    found: dict[str, list[str]] = {}
    for code, period in rows:
        found.setdefault(code, []).append(period)
    return found


async def test_a_start_moved_later_removes_what_was_not_reported(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """An indicator's `start`, an organisation's `since` and the initiative's `start`, each
    moved later: the unreported obligations before it go, reported ones stay, and moving it
    back brings them back."""
    june = datetime(2026, 6, 15, 12, tzinfo=UTC)
    async with sessions.begin() as session:
        await ensure_obligations(session, june)
        awo = await session.scalar(select(Organisation.id).where(Organisation.code == "awo"))
        monthly = await session.scalar(select(Indicator.id).where(Indicator.code == "monat"))
        assert awo is not None and monthly is not None
        session.add(
            IndicatorValue(
                indicator_id=monthly,
                organisation_id=awo,
                period="2026-02",
                value=3,
                reported_at=june,
            )
        )
    everything = await owed(sessions)
    assert len(everything["monat"]) == 6 and len(everything["woche"]) == 25

    async def moved(text: str) -> dict[int, int]:
        path = tmp_path / "moved.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        async with sessions.begin() as session:
            report = await apply_initiative(session, load_initiative_file(path))
            await ensure_obligations(session, june)
        return report.removed_obligations

    indicator_later = INITIATIVE.replace("due_days = 1\n", "due_days = 1\nstart = 2026-04-01\n")
    assert await moved(indicator_later) == {awo: 2}  # January and March; February was reported
    assert (await owed(sessions))["monat"] == ["2026-02", "2026-04", "2026-05", "2026-06"]
    since_later = indicator_later.replace('name = "AWO"\n', 'name = "AWO"\nsince = 2026-03-01\n')
    assert await moved(since_later) == {awo: 8}  # weeks 1 to 8; week 9 holds 1 March
    assert (await owed(sessions))["woche"][0] == "2026-W09"
    start_later = since_later.replace("start = 2026-01-01", "start = 2026-05-01")
    assert await moved(start_later) == {awo: 9}  # weeks 9 to 17; the indicator starts later
    assert (await owed(sessions))["woche"][0] == "2026-W18"
    assert (await owed(sessions))["monat"] == ["2026-02", "2026-04", "2026-05", "2026-06"]
    # Moved back to the beginning: owed again from then on.
    back = INITIATIVE.replace('name = "AWO"\n', 'name = "AWO"\nsince = 2026-01-01\n')
    assert await moved(back) == {}
    assert await owed(sessions) == everything
