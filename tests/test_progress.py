"""Figures that tell the truth (issue 23): the initiative's current figure is taken from the
latest period in which at least `[progress] min_reported_share` of the expected organisations
reported, and says so; a figure withheld from partners reads "noch zu wenige Meldungen"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.presentation import charts
from bot.services.agenda.agenda import load_agenda
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.services.obligations import ensure_obligations
from bot.services.progress import chart_data
from bot.services.progress.progress import overall
from storage.models import Indicator, IndicatorValue, Organisation, Role
from tests.conftest import RunningBot
from tests.steps import member
from tests.test_agenda import EXAMPLE, everything_sent, set_up
from tests.test_charts import TEXTS

NOV_20 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# "Angebote in mindestens drei Sprachen beschrieben": yes/no, quarterly, every organisation
# but the coordination office (eight), baseline 25 %, target 80 % (level).
MULTILINGUAL = "infos-mehrsprachig"
# "Kinder ohne Förderbedarf ...": only the city reports it - never three organisations.
CITY_ONLY = "sprachstand-einschulung"
Q3 = {"awo": 1, "caritas": 1, "stadt": 1, "ev-kirche": 1, "mgh": 0, "sv-nordstadt": 0}


async def put(
    session: AsyncSession, indicator: str, organisation: str, period: str, value: float
) -> None:
    ids = (
        await session.scalar(select(Indicator.id).where(Indicator.code == indicator)),
        await session.scalar(select(Organisation.id).where(Organisation.code == organisation)),
    )
    session.add(
        IndicatorValue(
            indicator_id=ids[0],
            organisation_id=ids[1],
            period=period,
            value=value,
            reported_at=NOV_20,
        )
    )


async def a_year_in(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Six of eight answered for the third quarter (4 yes: 67 %); of the fourth quarter, just
    begun, one said yes (100 %: "136 % of the target")."""
    async with sessions.begin() as session:
        await ensure_obligations(session, NOV_20)
        for organisation, value in Q3.items():
            await put(session, MULTILINGUAL, organisation, "2026-Q3", value)
        await put(session, MULTILINGUAL, "awo", "2026-Q4", 1)
        await put(session, CITY_ONLY, "stadt", "2026", 71)


@pytest.fixture
async def year(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    async with sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))
    await a_year_in(sessions)
    return sessions


async def indicator_id(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(Indicator.id).where(Indicator.code == code))
    assert found is not None
    return found


async def test_the_latest_period_half_of_the_organisations_reported(
    year: async_sessionmaker[AsyncSession],
) -> None:
    async with year() as session:
        multilingual = await indicator_id(session, MULTILINGUAL)
        for coordinator in (True, False):
            found = await overall(session, multilingual, coordinator=coordinator)
            assert (found.as_of, found.reported, found.expected) == ("2026-Q3", 6, 8)
            assert found.current == pytest.approx(200 / 3)
            assert found.progress == pytest.approx((200 / 3 - 25) / 55)  # 76 %, not 136 %
            assert not found.withheld
        # Stricter: six of eight is not enough, and no earlier quarter was reported.
        strict = await overall(session, multilingual, coordinator=True, min_share=0.8)
        assert (strict.as_of, strict.current, strict.progress) == (None, None, None)
        assert strict.withheld


async def test_a_figure_withheld_from_partners_is_marked_so(
    year: async_sessionmaker[AsyncSession],
) -> None:
    async with year() as session:
        city = await indicator_id(session, CITY_ONLY)
        partner = await overall(session, city, coordinator=False)
        coordinator = await overall(session, city, coordinator=True)
        nothing = await overall(
            session, await indicator_id(session, "fortbildung-sprache"), coordinator=True
        )
    assert (partner.current, partner.withheld) == (None, True)
    assert (coordinator.current, coordinator.as_of, coordinator.withheld) == (71, "2026", False)
    assert (coordinator.reported, coordinator.expected) == (1, 1)
    assert (nothing.current, nothing.withheld) == (None, False)  # no data at all


async def test_the_overview_chart_says_where_each_figure_stands(
    year: async_sessionmaker[AsyncSession],
) -> None:
    async with year() as session:
        bars = {
            bar.indicator_id: bar
            for bar in await chart_data.overview(session, "de", coordinator=False)
        }
        multilingual = bars[await indicator_id(session, MULTILINGUAL)]
        city = bars[await indicator_id(session, CITY_ONLY)]
    assert (multilingual.as_of, multilingual.reported, multilingual.expected) == ("2026-Q3", 6, 8)
    assert city.withheld and city.progress is None
    # The handler names where each figure stands (progress.stand), the chart draws it.
    texts = replace(TEXTS, stands={multilingual.indicator_id: "Q3 2026: 6 von 8"})
    figure = charts.overview_figure(list(bars.values()), texts, "de")
    figure.canvas.draw()
    drawn = [text.get_text() for text in figure.axes[0].texts]
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert "76 %" in drawn and "136 %" not in drawn
    assert TEXTS.too_few in drawn
    assert any("Q3 2026: 6 von 8" in label for label in labels), labels


async def test_the_agenda_carries_the_stand(year: async_sessionmaker[AsyncSession]) -> None:
    async with year() as session:
        view = await load_agenda(session, "de", coordinator=True)
    assert view is not None
    found = {i.name: i for goal in view.goals for i in goal.indicators}
    multilingual = found["Angebote in mindestens drei Sprachen beschrieben"]
    assert (multilingual.as_of, multilingual.reported, multilingual.expected) == ("2026-Q3", 6, 8)


async def test_what_the_agenda_says_in_chat(bot: RunningBot) -> None:
    bot.clock.now = NOV_20
    await set_up(bot)
    await a_year_in(bot.sessions)
    clara = await member(bot, "Clara Koch", Role.COORDINATOR, "koordination")
    anna = await member(bot, "Anna Berger")
    text = "\n".join(await everything_sent(clara, "/ziele"))
    assert "Angebote in mindestens drei Sprachen beschrieben: " in text
    assert "76 % des Ziels (Stand: Q3 2026, 6 von 8 gemeldet)" in text
    assert "136 %" not in text
    assert "📊 71 %, 43 % des Ziels (Stand: 2026, 1 von 1 gemeldet)" in text
    text = "\n".join(await everything_sent(anna, "/ziele"))
    assert "76 % des Ziels (Stand: Q3 2026, 6 von 8 gemeldet)" in text
    city = text[text.index("Kinder ohne Förderbedarf") :].split("\n")[0]
    assert city.endswith("📊 noch zu wenige Meldungen"), city
    assert "noch keine Daten" not in text
