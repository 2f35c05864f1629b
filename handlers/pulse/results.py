"""/pulse (/stimmung): the latest surveys and, for closed ones with at least k answers, their
results as text and chart; coordinators also start a survey with the standard questions."""

from __future__ import annotations

import asyncio
import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.i18n.formatting import format_date, format_number
from bot.presentation.message_fit import split_message
from bot.services.errors import DomainError
from bot.services.members import is_coordinator
from bot.services.outbox import local_zone
from bot.services.pulse import pulse
from bot.services.pulse import results as pulse_results
from bot.services.pulse.results import SurveyResults, SurveySummary
from bot.telegram.context import BotContext
from handlers.pulse import texts as pulse_texts
from handlers.pulse.callbacks import (
    AskNewSurvey,
    CancelNewSurvey,
    Results,
    StartAnswering,
    StartNewSurvey,
)
from handlers.pulse.chart import pulse_chart
from handlers.pulse.texts import standard_questions


def _until(context: BotContext, survey: SurveySummary) -> str:
    return format_date(survey.closes_at.date(), context.language)


def _line(context: BotContext, survey: SurveySummary) -> str:
    day = format_date(survey.opened_on, context.language)
    if not survey.closed:
        return context.t("pulse.line.open", day=day, until=_until(context, survey))
    key = "pulse.line.shown" if survey.shown else "pulse.line.hidden"
    return context.t(key, day=day, count=survey.responses)


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


async def show(update: Update, context: BotContext) -> None:
    assert update.effective_message
    async with context.runtime.reads() as session:
        found = await pulse_results.recent_surveys(session)
    now, language = context.runtime.clock(), context.language
    rows = [
        [
            _button(
                context.t("pulse.button.take_part", until=_until(context, s)),
                StartAnswering(s.survey_id).pack(),
            )
        ]
        for s in found
        if not s.closed and s.closes_at > now
    ]
    rows += [
        [
            _button(
                context.t("pulse.button.results_of", day=format_date(s.opened_on, language)),
                Results(s.survey_id).pack(),
            )
        ]
        for s in found
        if s.closed and s.shown
    ]
    if is_coordinator(context.member):
        rows.append([_button(context.t("pulse.button.new"), AskNewSurvey().pack())])
    lines = [_line(context, s) for s in found] or [context.t("pulse.none")]
    await update.effective_message.reply_text(
        context.t("pulse.overview", lines="\n".join(lines)),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )


def results_text(context: BotContext, results: SurveyResults) -> str:
    language = context.language
    parts = [
        context.t(
            "pulse.results.head",
            day=format_date(results.opened_on, language),
            count=results.responses,
        )
    ]
    for question in results.questions:
        counts = " · ".join(f"{score}: {question.distribution[score]}" for score in pulse.SCORES)
        trend = " → ".join(format_number(round(p.mean, 1), language) for p in question.trend)
        parts.append(
            context.t(
                "pulse.results.question",
                question=question.text_en if language == "en" else question.text_de,
                mean=format_number(round(question.mean, 1), language),
                counts=counts,
                trend=trend,
            )
        )
    if results.comments:
        parts.append(context.t("pulse.results.comments"))
        # Comments are the members' own words: escaped, they go out as HTML.
        parts.extend(f"• {html.escape(comment, quote=False)}" for comment in results.comments)
    return "\n\n".join(parts)


async def results(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_chat
    async with context.runtime.reads() as session:
        found = await pulse_results.survey_results(session, int(context.matches[0].group(1)))
    if not found.closed:
        raise DomainError("pulse.still_open")
    if not found.shown:
        raise DomainError("pulse.hidden", k=found.k)
    await query.answer()
    for part in split_message(results_text(context, found)):
        await context.bot.send_message(update.effective_chat.id, part)
    # Drawing takes a moment: off the event loop, like the progress charts.
    chart = await asyncio.to_thread(pulse_chart, found, context.language)
    await context.bot.send_photo(
        update.effective_chat.id,
        InputFile(chart, filename=f"{context.t('pulse.chart_file')}-{found.survey_id}.png"),
    )


async def ask_start(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    settings = context.runtime.settings.privacy
    questions = standard_questions(context.runtime.translator)
    listing = "\n".join(f"• {q.en if context.language == 'en' else q.de}" for q in questions)
    await query.answer()
    await query.edit_message_text(
        context.t(
            "pulse.asks_start", questions=listing, count=settings.pulse_days, k=settings.pulse_k
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.t("pulse.button.go"), callback_data=StartNewSurvey().pack()
                    )
                ],
                [
                    InlineKeyboardButton(
                        context.t("pulse.button.cancel"), callback_data=CancelNewSurvey().pack()
                    )
                ],
            ]
        ),
    )


async def start_survey(update: Update, context: BotContext) -> None:
    coordinator = context.known_member
    query = update.callback_query
    assert query
    runtime, settings = context.runtime, context.runtime.settings.privacy
    now = runtime.clock()
    async with runtime.sessions.begin() as session:
        running = await pulse.open_surveys(session, now)
        if running:
            until = format_date(running[0].closes_at.date(), context.language)
            raise DomainError("pulse.running", until=until)
        invited = await pulse_texts.start_survey(
            session,
            runtime.translator,
            settings,
            now=now,
            zone=await local_zone(session),
            started_by=coordinator.id,
        )
    runtime.outbox_wake.set()
    await query.answer()
    await query.edit_message_text(
        context.t(
            "pulse.started",
            count=invited,
            days=context.t("pulse.days", count=settings.pulse_days),
            k=settings.pulse_k,
        )
    )


async def cancel_start(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(context.t("pulse.start_cancelled"))
