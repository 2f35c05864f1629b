"""Completeness and progress on SQLite and PostgreSQL: the views against hand-computed numbers
for every aggregation and target mode, not applicable and imported values, on time with and
without an extension; closed periods; the command line."""

from __future__ import annotations

import asyncio
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.services.errors import DomainError
from bot.services.members import MemberInfo
from bot.services.missing import completeness
from bot.services.obligations import ensure_obligations
from bot.services.report import reporting
from storage.engine import make_engine, make_sessionmaker
from storage.models import Indicator, IndicatorValue, Member, Obligation, Organisation, Role
from tests.conftest import apply_initiative_text
from tests.test_agenda import EXAMPLE

INDICATORS = {
    # code: (type, aggregation, baseline, target, mode)
    "summe": ("integer", "sum", 0, 100, "cumulative"),
    "mittel": ("decimal", "mean", 0, 10, "level"),
    "hoechst": ("decimal", "max", 6.5, 2.0, "level"),  # falling: waiting weeks
    "niedrigst": ("percent", "min", 40, 60, "level"),
    "janein": ("boolean", "mean", 0, 100, "level"),
    "skala": ("scale", "mean", 1, 5, "level"),
}


def initiative_file() -> str:
    parts = [
        textwrap.dedent(
            """
            [initiative]
            name = "Test"
            timezone = "Europe/Berlin"
            default_language = "de"
            start = 2026-01-01
            holidays = "DE-NI"

            [[organisations]]
            code = "koord"
            name = "Koordination"
            backbone = true
            """
        )
    ]
    for code in ("a", "b", "c"):
        parts.append(f'[[organisations]]\ncode = "{code}"\nname = "Org {code.upper()}"\n')
    parts.append('[[goals]]\ncode = "ziel"\ntitle = { de = "Ziel" }\n')
    for code, (kind, how, baseline, target, mode) in INDICATORS.items():
        parts.append(
            textwrap.dedent(
                f"""
                [[indicators]]
                code = "{code}"
                name = {{ de = "{code}" }}
                type = "{kind}"
                frequency = "monthly"
                aggregation = "{how}"
                goal = "ziel"
                level = "output"
                baseline = {baseline}
                target = {{ value = {target}, by = 2027-12-31, mode = "{mode}" }}
                due_days = 5
                reported_by = ["*"]
                """
            )
        )
    return "\n".join(parts)


@pytest.fixture
async def sessions(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> async_sessionmaker[AsyncSession]:
    await apply_initiative_text(sessions, initiative_file(), tmp_path)
    async with sessions.begin() as session:
        await ensure_obligations(session, datetime(2026, 3, 10, 12, tzinfo=UTC))
    return sessions


def at(day: int, month: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


async def put(
    session: AsyncSession,
    indicator: str,
    organisation: str,
    period: str,
    value: float | None,
    when: datetime,
    revision: int = 1,
    source: str = "chat",
) -> None:
    ids = {
        "indicator": await session.scalar(select(Indicator.id).where(Indicator.code == indicator)),
        "organisation": await session.scalar(
            select(Organisation.id).where(Organisation.code == organisation)
        ),
    }
    session.add(
        IndicatorValue(
            indicator_id=ids["indicator"],
            organisation_id=ids["organisation"],
            period=period,
            value=value,
            not_applicable=value is None,
            revision=revision,
            source=source,
            reported_at=when,
        )
    )


async def people(sessions: async_sessionmaker[AsyncSession]) -> tuple[MemberInfo, MemberInfo]:
    """A partner of organisation a and a coordinator, as the services see them."""
    infos = []
    async with sessions.begin() as session:
        for number, (role, code) in enumerate(((Role.PARTNER, "a"), (Role.COORDINATOR, "koord"))):
            org = await session.scalar(select(Organisation).where(Organisation.code == code))
            assert org is not None
            member = Member(
                telegram_id=1000 + number,
                display_name=role.value,
                organisation=org,
                role=role.value,
                language="de",
            )
            session.add(member)
            await session.flush()
            infos.append(
                MemberInfo(
                    id=member.id,
                    display_name=role.value,
                    role=role,
                    language="de",
                    organisation_code=code,
                    organisation_name=org.name,
                )
            )
    return infos[0], infos[1]


async def view(sessions: async_sessionmaker[AsyncSession], sql: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        return [dict(row) for row in (await session.execute(text(sql))).mappings()]


async def test_progress_for_every_aggregation_and_target_mode(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        # Sum, cumulative: January 10 + 20 (+ c not applicable); February a corrected 5 -> 7,
        # b 3, c imported 12.
        await put(session, "summe", "a", "2026-01", 10, at(1, 2))
        await put(session, "summe", "b", "2026-01", 20, at(2, 2))
        await put(session, "summe", "c", "2026-01", None, at(3, 2))
        await put(session, "summe", "a", "2026-02", 5, at(1, 3))
        await put(session, "summe", "a", "2026-02", 7, at(20, 3), revision=2)
        await put(session, "summe", "b", "2026-02", 3, at(2, 3))
        await put(session, "summe", "c", "2026-02", 12, at(9, 3), source="import")
        for code, values in {
            "mittel": (2.5, 3.5, 6.0),
            "hoechst": (4.25, 3.0, None),
            "niedrigst": (70, 55, 90),
            "janein": (1, 0, 1),
            "skala": (4, 3, 5),
        }.items():
            for organisation, value in zip(("a", "b", "c"), values, strict=True):
                await put(session, code, organisation, "2026-01", value, at(1, 2))
    rows = await view(
        sessions,
        "SELECT * FROM v_indicator_progress WHERE period IN ('2026-01', '2026-02', '2026-03')"
        " ORDER BY indicator_code, period",
    )
    got = {(r["indicator_code"], r["period"]): r for r in rows}

    def check(
        key: tuple[str, str], aggregate: float | None, ratio: float | None, orgs: int
    ) -> None:
        row = got[key]
        assert row["aggregate_value"] == (
            None if aggregate is None else pytest.approx(aggregate)
        ), key
        assert row["progress_ratio"] == (None if ratio is None else pytest.approx(ratio)), key
        assert (row["reporting_orgs"], row["expected_orgs"]) == (orgs, 3), key

    check(("summe", "2026-01"), 30, 0.3, 3)  # not applicable counts as reported, not as 0
    check(("summe", "2026-02"), 22, 0.52, 3)  # latest revision; the import counts
    check(("summe", "2026-03"), None, 0.52, 0)  # nothing yet: the total stands
    check(("mittel", "2026-01"), 4.0, 0.4, 3)
    check(("hoechst", "2026-01"), 4.25, 0.5, 3)  # from 6.5 down to 2: half the way
    check(("niedrigst", "2026-01"), 55, 0.75, 3)
    check(("janein", "2026-01"), 66.6667, 0.6667, 3)
    check(("skala", "2026-01"), 4.0, 0.75, 3)
    assert got[("mittel", "2026-02")]["aggregate_value"] is None
    assert all(r["target_value"] is not None for r in rows)


async def test_completeness_on_time_extensions_and_imports(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await put(session, "summe", "a", "2026-01", 10, at(1, 2))  # due end of 5 Feb: on time
        await put(session, "summe", "b", "2026-01", 20, at(10, 2))  # late ...
        await put(session, "summe", "c", "2026-01", 5, at(10, 2))  # ... late, but extended
        await put(session, "summe", "a", "2026-02", 12, at(9, 3), source="import")
    _, coordinator = await people(sessions)
    async with sessions.begin() as session:
        c = await session.scalar(select(Organisation.id).where(Organisation.code == "c"))
        assert c is not None
        extended = await completeness.extend(session, coordinator, c, "2026-01", 7, at(9, 2))
    assert extended.until == datetime(2026, 2, 12, 23, tzinfo=UTC)
    rows = await view(
        sessions,
        "SELECT organisation_code, period, reported, on_time FROM v_reporting_completeness"
        " WHERE indicator_code = 'summe' ORDER BY period, organisation_code",
    )
    assert [tuple(r.values()) for r in rows] == [
        ("a", "2026-01", 1, 1),
        ("b", "2026-01", 1, 0),
        ("c", "2026-01", 1, 1),
        ("a", "2026-02", 1, None),  # imported: no on-time status
        ("b", "2026-02", 0, None),
        ("c", "2026-02", 0, None),
        ("a", "2026-03", 0, None),
        ("b", "2026-03", 0, None),
        ("c", "2026-03", 0, None),
    ]
    async with sessions() as session:
        found = await completeness.completeness(session, "2026-01")
    summe = [i for i in found.items if i.indicator_code == "summe"]
    assert [(i.reported, i.on_time) for i in summe] == [(True, True), (True, False), (True, True)]
    assert len(found.items) == 18 and found.reported == 3 and found.on_time == 2


async def test_a_closed_period_takes_corrections_from_coordinators_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    partner, coordinator = await people(sessions)
    async with sessions() as session:
        obligation = await session.scalar(
            select(Obligation.id)
            .join(Organisation, Organisation.id == Obligation.organisation_id)
            .where(Organisation.code == "a", Obligation.period == "2026-01")
        )
    assert obligation is not None
    async with sessions.begin() as session:
        await completeness.close(session, coordinator, "2026-01", at(10, 3))
        with pytest.raises(DomainError) as refused:
            await completeness.close(session, partner, "2026-02", at(10, 3))
        assert refused.value.key == "missing.not_allowed"
    async with sessions() as session:
        with pytest.raises(DomainError) as closed:
            await reporting.question(session, obligation, partner)
        assert closed.value.key == "report.closed"
        asked = await reporting.question(session, obligation, coordinator)
        assert asked.on_behalf
        assert (await completeness.completeness(session, "2026-01")).closed


def test_gwbot_completeness_prints_who_owes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["initiative", "apply", str(EXAMPLE)])

    async def awo_reports() -> None:
        engine = make_engine("sqlite+aiosqlite:///gwbot.db")
        async with make_sessionmaker(engine).begin() as session:
            await put(session, "kita-plaetze", "awo", "2026-01", 12, at(2, 2))
        await engine.dispose()

    asyncio.run(awo_reports())
    capsys.readouterr()
    main(["completeness", "--period", "2026-01"])
    out = capsys.readouterr().out
    assert out.startswith("2026-01: 1 of 8 reported (13%), 1 on time.")
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "AWO Kreisverband Neustadt kita-plaetze yes yes" in lines
    assert "Caritasverband Neustadt e. V. kita-plaetze NO -" in lines
    with pytest.raises(SystemExit) as failed:
        main(["completeness", "--period", "Januar"])
    assert failed.value.code == 2
    assert "'Januar' is no period" in capsys.readouterr().err
