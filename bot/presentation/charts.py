"""Progress charts as PNG (matplotlib with the Agg canvas, no pyplot: safe in a worker thread).

matplotlib is imported inside the functions, so the bot starts without it and pays for it the
first time someone asks for a chart. Sizes and fonts are chosen for a phone screen: Telegram
shows photos about 1,000 pixels wide, so a 1200 x 900 image with 16-20 pt text stays legible.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.i18n.formatting import format_number, format_value, shorten
from bot.services.periods import Period, short_label
from bot.services.progress.chart_data import Bar, Series

if TYPE_CHECKING:  # matplotlib itself loads only when a chart is drawn
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

WIDTH_INCHES, HEIGHT_INCHES, DPI = 10.0, 7.5, 120
TEXT, SMALL = 18, 15
MAX_TICKS = 8
# Indicator names beside the overview's bars; longer ones are cut.
LABEL_TEXT = 38
COLOURS = {"initiative": "#1f5fa8", "own": "#e07b00", "baseline": "#7f7f7f", "target": "#2a9d3f"}


@dataclass(frozen=True)
class Texts:
    """Everything a chart writes, already in the reader's language."""

    initiative: str
    own: str
    baseline: str
    target: str
    progress: str
    no_data: str
    levels: dict[str, str]
    # A figure withheld (too few reports: small numbers, or too few of those expected).
    too_few: str
    # An indicator without a target has no progress to draw.
    no_target: str
    # Where each bar's figure stands, by indicator id: "Q3 2026: 6 von 8".
    stands: dict[int, str] = field(default_factory=dict)


def _figure(height: float = HEIGHT_INCHES) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _numbers(language: str) -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: format_number(value, language))


def indicator_chart(series: Series, texts: Texts, language: str) -> bytes:
    """The initiative's figure over time against baseline and target, and the own share."""
    return _png(indicator_figure(series, texts, language))


def indicator_figure(series: Series, texts: Texts, language: str) -> Figure:
    figure = _figure()
    axes = figure.add_subplot()
    axes.set_title(series.name, fontsize=TEXT, wrap=True)
    positions = list(range(len(series.periods)))
    initiative = [math.nan if v is None else v for v in series.initiative]
    own = [math.nan if v is None else v for v in series.own]
    if series.target_mode == "cumulative":
        own = _running_total(series.own)
    if positions and not all(math.isnan(v) for v in initiative):
        axes.plot(
            positions,
            initiative,
            marker="o",
            linewidth=3,
            markersize=9,
            color=COLOURS["initiative"],
            label=texts.initiative,
        )
    if positions and not all(math.isnan(v) for v in own):
        axes.plot(
            positions,
            own,
            marker="s",
            linewidth=2.5,
            markersize=8,
            color=COLOURS["own"],
            label=texts.own,
        )
    if series.baseline is not None:
        axes.axhline(
            series.baseline,
            linestyle=":",
            linewidth=2,
            color=COLOURS["baseline"],
            label=texts.baseline,
        )
    if series.target_value is not None:
        axes.axhline(
            series.target_value,
            linestyle="--",
            linewidth=2.5,
            color=COLOURS["target"],
            label=texts.target,
        )
    if not positions:
        axes.text(
            0.5,
            0.5,
            texts.no_data,
            ha="center",
            va="center",
            fontsize=TEXT,
            transform=axes.transAxes,
        )
    step = max(1, math.ceil(len(positions) / MAX_TICKS))
    axes.set_xticks(positions[::step])
    axes.set_xticklabels(
        [short_label(Period.parse(p), language) for p in series.periods[::step]], fontsize=SMALL
    )
    axes.yaxis.set_major_formatter(_numbers(language))
    axes.tick_params(axis="y", labelsize=SMALL)
    if series.unit:
        axes.set_ylabel(series.unit, fontsize=SMALL)
    axes.grid(axis="y", alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=SMALL, loc="best")
    figure.tight_layout()
    return figure


def overview_chart(bars: list[Bar], texts: Texts, language: str) -> bytes:
    """Every indicator's progress towards its target in percent, grouped by level."""
    return _png(overview_figure(bars, texts, language))


def _bar_text(bar: Bar, texts: Texts, percent: str) -> str:
    if bar.progress is not None:
        return percent
    if bar.withheld:
        return texts.too_few
    if bar.as_of is not None and not bar.has_target:
        return texts.no_target
    return texts.no_data


def overview_figure(bars: list[Bar], texts: Texts, language: str) -> Figure:
    height = max(HEIGHT_INCHES, 1.6 + 0.75 * len(bars))
    figure = _figure(height)
    axes = figure.add_subplot()
    axes.set_title(texts.progress, fontsize=TEXT)
    labels, values, colours = [], [], []
    for bar in reversed(bars):  # matplotlib draws bottom up; the list reads top down
        level = texts.levels.get(bar.level, bar.level)
        stand = texts.stands.get(bar.indicator_id)
        detail = f"{level} · {stand}" if stand else level
        labels.append(f"{shorten(bar.name, LABEL_TEXT)}\n({detail})")
        values.append(0.0 if bar.progress is None else 100 * bar.progress)
        colours.append(COLOURS["initiative"] if bar.progress is not None else COLOURS["baseline"])
    positions = list(range(len(bars)))
    axes.barh(positions, values, color=colours, height=0.6)
    for position, bar, value in zip(positions, reversed(bars), values, strict=True):
        percent = format_value(round(value), "percent", "", language)
        text = _bar_text(bar, texts, percent)
        axes.text(max(value, 0) + 2, position, text, va="center", fontsize=SMALL)
    axes.axvline(100, linestyle="--", linewidth=2, color=COLOURS["target"])
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontsize=SMALL - 2)
    axes.set_xlim(min(0, *values, 0) - 5, max(120, *values, 0) + 25)
    axes.xaxis.set_major_formatter(_numbers(language))
    axes.tick_params(axis="x", labelsize=SMALL)
    figure.tight_layout()
    return figure


def _running_total(values: list[float | None]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value or 0.0
        out.append(total)
    return out
