"""Progress charts: valid PNGs of a phone-friendly size for every indicator type, German and
English number and period labels, the small-number rule, and /fortschritt end to end."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.presentation import charts
from bot.services.progress import chart_data
from bot.services.progress.chart_data import Bar, Series
from storage.models import Indicator, Organisation
from tests.conftest import RunningBot
from tests.test_completeness import at, put, sessions  # noqa: F401 (a fixture)
from tests.test_reporting import JAN_20, example, partner

TEXTS = charts.Texts(
    initiative="Initiative gesamt",
    own="AWO",
    baseline="Ausgangswert",
    target="Ziel",
    progress="Fortschritt",
    no_data="noch keine Daten",
    levels={"output": "Output", "outcome": "Outcome", "impact": "Impact"},
    too_few="noch zu wenige Meldungen",
    no_target="ohne Zielwert",
)


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def sample(kind: str, mode: str = "level") -> Series:
    values = {
        "integer": (1200, 1500, 1800),
        "decimal": (6.5, 5.25, 4.0),
        "percent": (40, 55, 61),
        "boolean": (33.3, 66.7, 100),
        "scale": (2.5, 3.25, 4.0),
    }[kind]
    return Series(
        indicator_id=1,
        name=f"Kennzahl {kind}",
        unit="Plätze" if kind == "integer" else "",
        kind=kind,
        level="output",
        target_mode=mode,
        baseline=values[0] * 0.8,
        target_value=values[-1] * 1.2,
        target_by=date(2027, 12, 31),
        periods=["2026-01", "2026-02", "2026-03"],
        initiative=list(values),
        own=[values[0] / 3, None, values[2] / 3],
    )


@pytest.mark.parametrize("kind", ["integer", "decimal", "percent", "boolean", "scale"])
def test_indicator_charts_are_phone_sized_pngs(kind: str) -> None:
    assert png_size(charts.indicator_chart(sample(kind), TEXTS, "de")) == (1200, 900)


def test_german_and_english_labels() -> None:
    for language, number, month in (("de", "1.500", "Feb 2026"), ("en", "1,500", "Feb 2026")):
        figure = charts.indicator_figure(sample("integer", "cumulative"), TEXTS, language)
        figure.canvas.draw()
        axes = figure.axes[0]
        assert number in [label.get_text() for label in axes.get_yticklabels()]
        assert month in [label.get_text() for label in axes.get_xticklabels()]
    for language, mark in (("de", ","), ("en", ".")):
        figure = charts.indicator_figure(sample("scale"), TEXTS, language)  # 2.5 to 4.8
        figure.canvas.draw()
        labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
        assert any(mark in label for label in labels), labels


def test_overview_and_empty_charts() -> None:
    bars = [
        Bar(indicator_id=i, name=f"Kennzahl {i}", level=level, progress=progress)
        for i, (level, progress) in enumerate(
            [("output", 0.43), ("output", 1.2), ("outcome", None), ("impact", -0.1)]
        )
    ]
    width, height = png_size(charts.overview_chart(bars, TEXTS, "de"))
    assert width == 1200 and height >= 900
    empty = sample("integer").model_copy(update={"periods": [], "initiative": [], "own": []})
    assert png_size(charts.indicator_chart(empty, TEXTS, "en")) == (1200, 900)


async def test_partners_see_the_initiatives_figure_only_from_three_organisations(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    async with sessions.begin() as session:
        await put(session, "summe", "a", "2026-01", 10, at(1, 2))
        await put(session, "summe", "b", "2026-01", 20, at(1, 2))
        for organisation, value in (("a", 1), ("b", 2), ("c", 3)):
            await put(session, "summe", organisation, "2026-02", value, at(1, 3))
    async with sessions() as session:
        summe = await session.scalar(select(Indicator.id).where(Indicator.code == "summe"))
        a = await session.scalar(select(Organisation.id).where(Organisation.code == "a"))
        assert summe is not None and a is not None
        partner_view = await chart_data.series(
            session, summe, "de", organisation_id=a, coordinator=False
        )
        coordinator_view = await chart_data.series(
            session, summe, "de", organisation_id=None, coordinator=True
        )
    # Cumulative: January 30 (two organisations: hidden from partners), February 36.
    assert partner_view.initiative == [None, 36]
    assert partner_view.own == [10, 1]
    assert coordinator_view.initiative == [30, 36]
    assert coordinator_view.own == [None, None]


async def test_progress_charts_in_chat(bot: RunningBot) -> None:
    await example(bot)
    bot.clock.now = JAN_20
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/fortschritt")
    menu = await anna.next_message()
    assert menu.buttons[0] == ["Überblick: alle Ziele"]
    await anna.press(menu, "Überblick: alle Ziele")
    overview = await anna.next_message()
    assert overview.kind == "photo"
    assert overview.text.startswith("Fortschritt zum Ziel (in %)\nStand je Kennzahl: ")
    assert "mindestens 50 % der Organisationen" in overview.text
    assert overview.content is not None and png_size(overview.content)[0] == 1200
    await anna.press(menu, "Neue Kita-Plätze")
    chart = await anna.next_message()
    assert (
        chart.caption_text if hasattr(chart, "caption_text") else chart.text == "Neue Kita-Plätze"
    )
    assert chart.content is not None and png_size(chart.content) == (1200, 900)


def test_matplotlib_loads_only_when_a_chart_is_drawn() -> None:
    code = (
        "import sys, bot.app, bot.registry, handlers.progress.progress;"
        " print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
