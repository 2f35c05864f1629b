"""/progress (/fortschritt): progress charts as photos - the overview by level, or one
indicator over time with the member's own organisation beside the initiative's figure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n.formatting import format_number
from bot.presentation import charts
from bot.presentation.charts import Texts
from bot.services.errors import DomainError
from bot.services.members import is_coordinator
from bot.services.obligations import organisation_of
from bot.services.periods import Period, short_label
from bot.services.progress import chart_data
from bot.services.progress.chart_data import Bar
from bot.telegram.context import BotContext
from handlers.progress.callbacks import Chart
from storage.models import Role


def _texts(context: BotContext, organisation: str, bars: Sequence[Bar] = ()) -> Texts:
    t = context.t
    return Texts(
        initiative=t("progress.initiative"),
        own=organisation,
        baseline=t("progress.baseline"),
        target=t("progress.target"),
        progress=t("progress.title"),
        no_data=t("progress.no_data"),
        levels={level: t(f"progress.level.{level}") for level in chart_data.LEVELS},
        too_few=t("progress.too_few"),
        no_target=t("progress.no_target"),
        stands={
            bar.indicator_id: t(
                "progress.stand",
                period=short_label(Period.parse(bar.as_of), context.language),
                reported=bar.reported,
                expected=bar.expected,
            )
            for bar in bars
            if bar.as_of is not None
        },
    )


async def choose(update: Update, context: BotContext) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        choices = await chart_data.indicators(session, context.language)
    if not choices:
        await update.effective_message.reply_text(context.t("agenda.none"))
        return
    rows = [
        [
            InlineKeyboardButton(
                context.t("progress.button.overview"), callback_data=Chart("all").pack()
            )
        ]
    ]
    rows += [
        [InlineKeyboardButton(name, callback_data=Chart(str(i)).pack())] for i, name in choices
    ]
    await update.effective_message.reply_text(
        context.t("progress.asks"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def chart(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    member = context.member
    if member is None:
        raise DomainError("start.stranger")
    chosen = context.matches[0].group(1)
    coordinator = is_coordinator(member)
    texts = _texts(context, member.organisation_name)
    share = context.runtime.settings.progress.min_reported_share
    async with context.runtime.reads() as session:
        if chosen == "all":
            bars = await chart_data.overview(
                session, context.language, coordinator=coordinator, min_share=share
            )
            texts = _texts(context, member.organisation_name, bars)
            render = partial(charts.overview_chart, bars, texts, context.language)
            percent = format_number(round(100 * share), context.language)
            caption = context.t("progress.overview_caption", share=percent)
        else:
            # Observers follow the initiative; their own organisation reports nothing.
            own = None
            if member.role is not Role.OBSERVER:
                own = await organisation_of(session, member.organisation_code)
            series = await chart_data.series(
                session, int(chosen), context.language, organisation_id=own, coordinator=coordinator
            )
            render = partial(charts.indicator_chart, series, texts, context.language)
            caption = series.name
    await query.answer()
    # Drawing takes a moment of CPU: off the event loop, so other members are not kept waiting.
    png = await asyncio.to_thread(render)
    await update.effective_message.reply_photo(png, caption=caption)
