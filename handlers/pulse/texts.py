"""How pulse surveys read: the invitation, each question, the notices when a survey closes or
answers had to be dropped, and the `pulse` schedule hook that starts a survey from the
initiative file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config.sections import PrivacySettings
from bot.i18n import LANGUAGES, Translator
from bot.i18n.formatting import format_date
from bot.services import schedules
from bot.services.outbox import Button, Messages, OutgoingMessage
from bot.services.pulse import pulse
from bot.services.pulse.pulse import STANDARD_CODES, Closed, DroppedNotices, Question
from bot.services.schedules import Firing
from handlers.pulse.callbacks import (
    CancelAnswering,
    NoComment,
    Results,
    Score,
    StartAnswering,
)
from storage.models import Schedule

Translate = Callable[..., str]


def standard_questions(translator: Translator) -> list[Question]:
    questions = []
    for code in STANDARD_CODES:
        texts = {
            language: translator.t(language, f"pulse.question.{code}") for language in LANGUAGES
        }
        questions.append(Question(code=code, **texts))
    return questions


def question_text(question: Question, language: str) -> str:
    return question.en if language == "en" else question.de


def invitation(translator: Translator, count: int, closes: datetime) -> Callable[[int], Messages]:
    def render(survey_id: int) -> Messages:
        return _with_start(translator, "pulse.invitation", survey_id, closes, count=count)

    return render


def _with_start(
    translator: Translator, key: str, survey_id: int, closes: datetime, **values: object
) -> Messages:
    """`key`'s text with the survey's closing day, and the button to take part."""
    messages = {}
    for language in LANGUAGES:
        text = translator.t(language, key, until=format_date(closes.date(), language), **values)
        button = Button(
            text=translator.t(language, "pulse.button.start"), data=StartAnswering(survey_id).pack()
        )
        messages[language] = OutgoingMessage(text=text, buttons=[[button]])
    return messages


def dropped_notices(translator: Translator) -> DroppedNotices:
    """For those whose waiting answers were dropped: answer again, or - the survey closed -
    the answers could not be counted."""

    def again(survey_id: int, closes: datetime) -> Messages:
        return _with_start(translator, "pulse.answer_again", survey_id, closes)

    not_counted = {
        language: OutgoingMessage(text=translator.t(language, "pulse.not_counted"))
        for language in LANGUAGES
    }
    return DroppedNotices(again, not_counted)


def score_buttons(t: Translate, survey_id: int, index: int) -> InlineKeyboardMarkup:
    scores = [
        InlineKeyboardButton(str(score), callback_data=Score(survey_id, index, score).pack())
        for score in pulse.SCORES
    ]
    return InlineKeyboardMarkup(
        [
            scores,
            [
                InlineKeyboardButton(
                    t("pulse.button.cancel"), callback_data=CancelAnswering().pack()
                )
            ],
        ]
    )


def comment_buttons(t: Translate, survey_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("pulse.button.no_comment"), callback_data=NoComment(survey_id).pack()
                )
            ]
        ]
    )


def closing_notices(
    translator: Translator,
) -> tuple[Callable[[Closed], Messages], Callable[[Closed], Messages]]:
    def ready(closed: Closed) -> Messages:
        return {
            language: OutgoingMessage(
                text=translator.t(
                    language,
                    "pulse.results_ready",
                    day=format_date(closed.opened_on, language),
                    count=closed.responses,
                ),
                buttons=[
                    [
                        Button(
                            text=translator.t(language, "pulse.button.results"),
                            data=Results(closed.survey_id).pack(),
                        )
                    ]
                ],
            )
            for language in LANGUAGES
        }

    def too_few(closed: Closed) -> Messages:
        return {
            language: OutgoingMessage(
                text=translator.t(
                    language,
                    "pulse.too_few",
                    day=format_date(closed.opened_on, language),
                    k=closed.k,
                )
            )
            for language in LANGUAGES
        }

    return ready, too_few


async def start_survey(
    session: AsyncSession,
    translator: Translator,
    privacy: PrivacySettings,
    *,
    now: datetime,
    zone: ZoneInfo,
    questions: list[Question] | None = None,
    started_by: int | None = None,
    schedule_id: int | None = None,
) -> int:
    """A survey with `questions` (else the standard set) and its invitations, as the settings
    say; returns how many were invited."""
    questions = questions or standard_questions(translator)
    closes = now + pulse.survey_length(privacy.pulse_days)
    _, invited = await pulse.open_survey(
        session,
        questions=questions,
        k=privacy.pulse_k,
        days=privacy.pulse_days,
        now=now,
        today=now.astimezone(zone).date(),
        invitation=invitation(translator, len(questions), closes.astimezone(zone)),
        started_by=started_by,
        schedule_id=schedule_id,
    )
    return invited


def pulse_hooks(translator: Translator, privacy: PrivacySettings) -> dict[str, schedules.Hook]:
    """`pulse` schedules start a survey: the schedule's own questions, else the standard set."""

    async def fire(session: AsyncSession, firing: Firing, now: datetime) -> int:
        schedule = firing.schedule
        own = await session.scalar(select(Schedule.questions).where(Schedule.id == schedule.id))
        return await start_survey(
            session,
            translator,
            privacy,
            now=now,
            zone=firing.zone,
            questions=[Question.model_validate(q) for q in own or []],
            schedule_id=schedule.id,
        )

    return {"pulse": fire}
