"""/agenda (/ziele): the common agenda - goals, indicators by level, glossary; `/ziele Begriff`
looks a term up."""

from __future__ import annotations

from telegram import Update

from bot.i18n import Html
from bot.i18n.formatting import format_date, format_number, format_value
from bot.presentation.message_fit import split_message
from bot.services.agenda.agenda import (
    LEVELS,
    AgendaView,
    GoalView,
    IndicatorView,
    Term,
    load_agenda,
    look_up,
)
from bot.services.members import is_coordinator
from bot.services.periods import Period, label
from bot.telegram.context import BotContext


async def agenda(update: Update, context: BotContext) -> None:
    assert update.effective_message
    query = " ".join(context.args or [])
    async with context.runtime.reads() as session:
        if query:
            lookup = await look_up(session, query, context.language)
        else:
            coordinator = is_coordinator(context.member)
            share = context.runtime.settings.progress.min_reported_share
            view = await load_agenda(
                session, context.language, coordinator=coordinator, min_share=share
            )
    if query:
        text = (
            "\n\n".join(_term(context, term) for term in lookup.matches)
            if lookup.matches
            else context.t("agenda.term_unknown", term=query, known=", ".join(lookup.known) or "–")
        )
    else:
        text = render(context, view) if view else context.t("agenda.none")
    for part in split_message(text):
        await update.effective_message.reply_text(part)


def render(context: BotContext, view: AgendaView) -> str:
    t = context.t
    paragraphs = [t("agenda.title", name=view.name)]
    if view.agenda:
        paragraphs.append(t("agenda.text", text=view.agenda))
    paragraphs += [_goal(context, goal) for goal in view.goals]
    if view.glossary:
        command = "/ziele" if context.language == "de" else "/agenda"
        paragraphs.append(t("agenda.glossary", command=command))
        paragraphs += [_term(context, term) for term in view.glossary]
    return "\n\n".join(paragraphs)


def _goal(context: BotContext, goal: GoalView) -> str:
    lines = [context.t("agenda.goal", title=goal.title)]
    if goal.description:
        lines.append(context.t("agenda.text", text=goal.description))
    for level in LEVELS:
        indicators = goal.at_level(level)
        if indicators:
            lines.append(context.t(f"agenda.level.{level}"))
            lines += [_indicator(context, indicator) for indicator in indicators]
    return "\n".join(lines)


def _indicator(context: BotContext, ind: IndicatorView) -> str:
    t, language = context.t, context.language
    parts = [t(f"agenda.frequency.{ind.frequency}")]
    if ind.baseline is not None:
        value = format_value(ind.baseline, ind.type, ind.unit, language)
        parts.append(t("agenda.baseline", value=value))
    if ind.target_value is not None and ind.target_by and ind.target_mode:
        value = format_value(ind.target_value, ind.type, ind.unit, language)
        by = format_date(ind.target_by, language)
        parts.append(t(f"agenda.target.{ind.target_mode}", value=value, date=by))
    if ind.current is not None and ind.as_of is not None:
        value = format_value(ind.current, ind.type, ind.unit, language)
        stand = {
            "period": label(Period.parse(ind.as_of), language),
            "reported": ind.reported,
            "expected": ind.expected,
        }
        if ind.progress is not None:
            percent = format_number(round(100 * ind.progress), language)
            parts.append(t("agenda.progress", value=value, percent=percent, **stand))
        else:
            parts.append(t("agenda.current", value=value, **stand))
    elif ind.withheld:
        parts.append(t("agenda.too_few"))
    # The parts are finished texts (their values escaped already).
    return t("agenda.indicator", name=ind.name, details=Html("; ".join(parts)))


def _term(context: BotContext, term: Term) -> str:
    return context.t("agenda.term", term=term.term, definition=term.definition)
