"""Where an indicator stands is computed in the database (issue 23: /agenda's work must not grow
with the year), so it no longer loads every value of the history. This property test keeps it
honest against the straightforward computation over all values, which the bot used before:
random indicators (every type, aggregation and target mode), organisations, revisions, "not
applicable" answers, obligations (some waived), readers and shares must give the same figure,
period, counts and "withheld"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DatabaseSettings
from bot.services.progress import aggregation
from bot.services.progress.progress import standing
from storage.engine import make_engine, make_sessionmaker
from storage.models import Goal, Indicator, IndicatorValue, Obligation, Organisation

ORGANISATIONS = 6
PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
AT = datetime(2026, 6, 1, tzinfo=UTC)


def oracle(
    rows: list[tuple[int, str, float | None]],
    owed: dict[str, int],
    kind: str,
    how: str,
    mode: str | None,
    *,
    coordinator: bool,
    min_share: float,
) -> tuple[float | None, str | None, int, int, bool]:
    """The running figure as computed over every latest value: (figure, period, reported,
    expected, withheld)."""
    numbers: dict[str, list[tuple[int, float]]] = defaultdict(list)
    reporters: dict[str, set[int]] = defaultdict(set)
    for organisation, period, value in rows:
        reporters[period].add(organisation)
        if value is not None:
            numbers[period].append((organisation, value))
    aggregates = {
        p: figure
        for p, values in numbers.items()
        if (figure := aggregation.aggregate([v for _, v in values], how, kind)) is not None
    }
    contributors: set[int] = set()
    running = 0.0
    found: tuple[float | None, str | None, int, int, bool] = (None, None, 0, 0, bool(aggregates))
    for period in sorted(aggregates):
        running += aggregates[period]
        contributors |= {organisation for organisation, _ in numbers[period]}
        reported = len(reporters.get(period, ()))
        expected = max(owed.get(period, 0), reported)
        if reported < min_share * expected:
            continue
        counted = len(contributors) if mode == "cumulative" else len(numbers[period])
        if not aggregation.visible(counted, coordinator=coordinator):
            continue
        figure = running if mode == "cumulative" else aggregates[period]
        found = (figure, period, reported, expected, False)
    return found


@pytest.fixture
async def world(database: DatabaseSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database.url, schema=database.schema_name)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        goal = Goal(code="g", title_de="Ziel", title_en="Goal")
        session.add(goal)
        await session.flush()
        session.add(
            Indicator(
                code="i",
                name_de="Wert",
                name_en="Value",
                type="integer",
                frequency="monthly",
                aggregation="sum",
                goal_id=goal.id,
                level="outcome",
            )
        )
        session.add_all(Organisation(code=f"o{n}", name=f"Org {n}") for n in range(ORGANISATIONS))
    yield sessions
    await engine.dispose()


KINDS = st.sampled_from(
    [
        ("integer", "sum"),
        ("decimal", "mean"),
        ("integer", "max"),
        ("decimal", "min"),
        ("boolean", "sum"),
        ("scale", "sum"),
    ]
)
# Each reported (organisation, period): the revisions' values, None for "not applicable".
REVISIONS = st.lists(
    st.one_of(st.none(), st.integers(0, 5).map(float), st.floats(0, 1000, width=32)),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=KINDS,
    mode=st.sampled_from([None, "level", "cumulative"]),
    reports=st.dictionaries(
        st.tuples(st.integers(0, ORGANISATIONS - 1), st.sampled_from(PERIODS)),
        REVISIONS,
        max_size=20,
    ),
    owing=st.dictionaries(
        st.tuples(st.integers(0, ORGANISATIONS - 1), st.sampled_from(PERIODS)),
        st.booleans(),  # True: waived
        max_size=25,
    ),
    # Often everyone who reported also owed: then a share of 1.0 is just reached.
    reporters_owe=st.booleans(),
    coordinator=st.booleans(),
    min_share=st.sampled_from([0.1, 0.5, 0.8, 1.0]),
)
async def test_the_database_stands_where_every_value_would(
    world: async_sessionmaker[AsyncSession],
    kind: tuple[str, str],
    mode: str | None,
    reports: dict[tuple[int, str], list[float | None]],
    owing: dict[tuple[int, str], bool],
    reporters_owe: bool,
    coordinator: bool,
    min_share: float,
) -> None:
    value_type, how = kind
    if reporters_owe:
        owing = {**owing, **dict.fromkeys(reports, False)}
    if value_type == "boolean":
        reports = {
            k: [None if v is None else float(v > 2) for v in vs] for k, vs in reports.items()
        }
    async with world.begin() as session:
        indicator = await session.scalar(select(Indicator.id))
        assert indicator is not None
        ordered = select(Organisation.id).order_by(Organisation.id)
        organisations = list((await session.scalars(ordered)).all())
        await session.execute(delete(IndicatorValue))
        await session.execute(delete(Obligation))
        await session.execute(
            update(Indicator).values(type=value_type, aggregation=how, target_mode=mode)
        )
        for (organisation, period), revisions in reports.items():
            for number, value in enumerate(revisions, start=1):
                session.add(
                    IndicatorValue(
                        indicator_id=indicator,
                        organisation_id=organisations[organisation],
                        period=period,
                        value=value,
                        not_applicable=value is None,
                        revision=number,
                        reported_at=AT,
                    )
                )
        for (organisation, period), waived in owing.items():
            month = int(period[-2:])
            session.add(
                Obligation(
                    indicator_id=indicator,
                    organisation_id=organisations[organisation],
                    period=period,
                    period_start=date(2026, month, 1),
                    period_end=date(2026, month, 28),
                    due_at=AT,
                    waived_at=AT if waived else None,
                )
            )
    async with world() as session:
        found = await standing(
            session, indicator, "", -1, coordinator=coordinator, min_share=min_share
        )

    latest = [(o, p, revisions[-1]) for (o, p), revisions in reports.items()]
    # A waived report is not expected, unless it came anyway.
    owed: dict[str, int] = defaultdict(int)
    for (organisation, period), waived in owing.items():
        if not waived or (organisation, period) in reports:
            owed[period] += 1
    figure, period, reported, expected, withheld = oracle(
        latest, owed, value_type, how, mode, coordinator=coordinator, min_share=min_share
    )
    assert (found.as_of, found.reported, found.expected, found.withheld) == (
        period,
        reported,
        expected,
        withheld,
    )
    if figure is None:
        assert found.current is None
    else:
        assert found.current == pytest.approx(figure, rel=1e-6, abs=1e-6)
