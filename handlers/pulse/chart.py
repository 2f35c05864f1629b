"""The pulse survey chart as PNG: per question its mean over the surveys that reached their k.

Drawn like bot.presentation.charts (Agg canvas, no pyplot, matplotlib loaded on first use, 1200 x
900 for a phone). It draws only what bot.services.pulse.results lets out: a survey below k has no
questions there, so its chart is empty, and no trend holds a survey below k.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n.formatting import format_date, shorten
from bot.presentation.charts import SMALL, TEXT, _figure, _numbers, _png
from bot.services.pulse.results import SCORES, SurveyResults

if TYPE_CHECKING:  # matplotlib itself loads only when a chart is drawn
    from matplotlib.figure import Figure

# Question texts in the legend; longer ones are cut.
LEGEND_TEXT = 60
COLOURS = ("#1f5fa8", "#e07b00", "#2a9d3f", "#b23a48", "#7a4fa3")
MARKERS = ("o", "s", "^", "D", "v")


def pulse_chart(results: SurveyResults, language: str, *, title: str = "") -> bytes:
    """Each question's mean (1 to 5) in every survey of its trend, the question texts in
    `language` as the legend; `title` (already translated) above it."""
    return _png(pulse_figure(results, language, title=title))


def pulse_figure(results: SurveyResults, language: str, *, title: str = "") -> Figure:
    figure = _figure()
    figure.set_layout_engine("constrained")
    axes = figure.add_subplot()
    if title:
        axes.set_title(title, fontsize=TEXT, wrap=True)
    # The surveys on the x axis: every survey some question's trend holds, in order.
    surveys = sorted({(p.opened_on, p.survey_id) for q in results.questions for p in q.trend})
    position = {survey_id: index for index, (_, survey_id) in enumerate(surveys)}
    for index, question in enumerate(results.questions):
        axes.plot(
            [position[p.survey_id] for p in question.trend],
            [p.mean for p in question.trend],
            marker=MARKERS[index % len(MARKERS)],
            linewidth=3,
            markersize=10,
            color=COLOURS[index % len(COLOURS)],
            label=shorten(question.text(language), LEGEND_TEXT),
        )
    positions = list(range(len(surveys)))
    axes.set_xticks(positions)
    axes.set_xticklabels([format_date(day, language) for day, _ in surveys], fontsize=SMALL)
    if len(surveys) > 4:
        for label in axes.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    # Room beside a single survey's points, and from 1 to 5 whatever was answered.
    axes.set_xlim(-0.5, max(len(surveys) - 0.5, 0.5))
    axes.set_ylim(0.8, 5.2)
    axes.set_yticks(list(SCORES))
    axes.yaxis.set_major_formatter(_numbers(language))
    axes.tick_params(axis="y", labelsize=SMALL)
    axes.grid(axis="y", alpha=0.3)
    if results.questions:
        # Below the plot, where long question texts cover no line; the constrained layout
        # makes room for it and for slanted dates.
        figure.legend(fontsize=SMALL, loc="outside lower center", ncols=1, frameon=False)
    return figure
