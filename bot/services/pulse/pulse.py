"""Pulse surveys: open one, take answers, close it (DESIGN section 6).

Answers are stored without who gave them. Who took part is a keyed hash per survey and member
in a table of its own. Both are written only in batches of at least k people (handlers.pulse.flow),
each batch in one transaction with its rows shuffled, so neither the order of rows nor the
order of transactions ties an answer to a person. Answers that cannot make up such a batch are
dropped, never written, and their people are told through deliveries sealed like those to
anonymous reporters. A survey that closes below k keeps none of its answers or comments.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences
from bot.services.audiences import Audience
from bot.services.errors import DomainError, NotFound
from bot.services.outbox import Messages, enqueue, local_zone, write_deliveries
from bot.services.placement import Placement
from bot.services.privacy_crypto import PrivacyKey, random_id
from storage.models import (
    DeliveryState,
    PulseAnswer,
    PulseComment,
    PulseParticipation,
    PulseSurvey,
)

STANDARD_CODES = ("trust", "communication", "roles", "goals")
SCORES = (1, 2, 3, 4, 5)
COMMENT_LIMIT = 1000
# The smallest k: with two answers, each of the two can work out the other's from the means.
MIN_K = 3


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(min_length=1, max_length=64)
    de: str = Field(min_length=1)
    en: str = Field(min_length=1)


@dataclass(frozen=True)
class OpenSurvey:
    id: int
    questions: list[Question]
    closes_at: datetime
    k: int


@dataclass(frozen=True)
class Completed:
    """One person's answers, held in memory until their batch is written."""

    participation: str
    scores: dict[str, int]
    comment: str | None


async def open_survey(
    session: AsyncSession,
    *,
    questions: Sequence[Question],
    k: int,
    days: int,
    now: datetime,
    today: date,
    invitation: Callable[[int], Messages],
    started_by: int | None = None,
    schedule_id: int | None = None,
) -> tuple[int, int]:
    """A new survey, and an invitation to every active member; returns its id and how many
    were invited."""
    if not 3 <= len(questions) <= 5:
        raise ValueError("a pulse survey asks 3 to 5 questions")
    if k < MIN_K:
        raise ValueError(f"a pulse survey needs k >= {MIN_K}")
    survey = PulseSurvey(
        opened_on=today,
        closes_at=now + survey_length(days),
        k=k,
        questions=[q.model_dump() for q in questions],
        schedule_id=schedule_id,
        started_by=started_by,
    )
    session.add(survey)
    await session.flush()
    invited = await enqueue(
        session,
        member_ids=await audiences.member_ids(session, Audience.of("all")),
        kind="pulse",
        messages=invitation(survey.id),
        placement=Placement.MEETING,
        wanted=now,
        reference=f"pulse:{survey.id}",
    )
    return survey.id, invited


def survey_length(days: int) -> timedelta:
    return timedelta(days=days)


def _open(survey: PulseSurvey) -> OpenSurvey:
    questions = [Question.model_validate(q) for q in survey.questions]
    return OpenSurvey(survey.id, questions, survey.closes_at, survey.k)


async def survey_to_answer(session: AsyncSession, survey_id: int, now: datetime) -> OpenSurvey:
    survey = await session.get(PulseSurvey, survey_id)
    if survey is None:
        raise NotFound("pulse.unknown")
    if survey.closed or survey.closes_at <= now:
        raise DomainError("pulse.closed")
    return _open(survey)


def participation(key: PrivacyKey, survey_id: int, member_id: int) -> str:
    return key.participation(str(survey_id), member_id)


async def took_part(session: AsyncSession, survey_id: int, hashed: str) -> bool:
    found = await session.scalar(
        select(PulseParticipation.hash).where(
            PulseParticipation.hash == hashed, PulseParticipation.survey_id == survey_id
        )
    )
    return found is not None


def checked_comment(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise DomainError("pulse.comment_empty")
    if len(cleaned) > COMMENT_LIMIT:
        raise DomainError("pulse.comment_too_long", limit=COMMENT_LIMIT, length=len(cleaned))
    return cleaned


async def record_batch(session: AsyncSession, survey_id: int, batch: Sequence[Completed]) -> bool:
    """Write who took part and what they answered, all in this one transaction; False, writing
    nothing, when the survey has closed in the meantime (its answers are then not counted).

    The survey's row is locked first: closing updates it, so a batch and the closing never
    overlap, and a closing that counts below k never misses a batch written beside it."""
    query = select(PulseSurvey).where(PulseSurvey.id == survey_id).with_for_update()
    survey = await session.scalar(query.execution_options(populate_existing=True))
    if survey is None or survey.closed:
        return False
    if len(batch) < survey.k:
        raise ValueError("a pulse batch needs at least k people")
    await _record_participation(session, survey_id, batch)
    await _record_answers(session, survey_id, batch)
    return True


async def _record_participation(
    session: AsyncSession, survey_id: int, batch: Sequence[Completed]
) -> None:
    rows = [{"hash": c.participation, "survey_id": survey_id} for c in batch]
    secrets.SystemRandom().shuffle(rows)
    if rows:
        await session.execute(insert(PulseParticipation), rows)


async def _record_answers(
    session: AsyncSession, survey_id: int, batch: Sequence[Completed]
) -> None:
    """The batch's answers and comments in random order with random ids, each list shuffled
    on its own: nothing tells which belong together or whose they are."""
    shuffle = secrets.SystemRandom().shuffle
    answers = [
        {"id": random_id(), "survey_id": survey_id, "question_code": code, "score": score}
        for completed in batch
        for code, score in completed.scores.items()
    ]
    comments = [
        {"id": random_id(), "survey_id": survey_id, "text": c.comment} for c in batch if c.comment
    ]
    shuffle(answers)
    shuffle(comments)
    if answers:
        await session.execute(insert(PulseAnswer), answers)
    if comments:
        await session.execute(insert(PulseComment), comments)


@dataclass(frozen=True)
class Respondent:
    """Where to tell someone whose answers were dropped: kept in memory beside the answers,
    written only sealed."""

    chat_id: int
    language: str


@dataclass(frozen=True)
class DroppedNotices:
    """What people whose answers were dropped hear (rendered by handlers.pulse.texts)."""

    # While the survey runs: answer again; with the survey's id and its local closing time.
    again: Callable[[int, datetime], Messages]
    # After it closed: the answers could not be counted.
    not_counted: Messages


async def tell_dropped(
    session: AsyncSession,
    key: PrivacyKey,
    dropped: Mapping[int, Sequence[Respondent]],
    notices: DroppedNotices,
    now: datetime,
) -> int:
    """Tell the people whose answers (per survey id) were dropped unwritten: to answer again
    while their survey runs (they never took part as far as the database knows), else that the
    answers could not be counted. Each delivery carries the chat sealed like one to an
    anonymous reporter and is deleted once done; returns how many were written."""
    running = {s.id: s for s in await open_surveys(session, now)}
    zone = await local_zone(session)
    rows: list[dict[str, Any]] = []
    for survey_id, people in dropped.items():
        survey = running.get(survey_id)
        if survey is None:
            messages = notices.not_counted
        else:
            messages = notices.again(survey_id, survey.closes_at.astimezone(zone))
        fallback = next(iter(messages.values()))
        rows += [
            {
                "member_id": None,
                "contact": key.seal_contact(person.chat_id, person.language),
                "kind": "pulse",
                "reference": None,
                "payload": messages.get(person.language, fallback).model_dump(),
                "state": DeliveryState.PENDING.value,
                # At once, quiet hours or not: a time placed by the member's settings would
                # point to who answered (DESIGN section 6).
                "not_before": now,
                "attempts": 0,
            }
            for person in people
        ]
    # Delivery ids are sequential: in random order they keep no order of answering.
    secrets.SystemRandom().shuffle(rows)
    await write_deliveries(session, rows)
    return len(rows)


@dataclass(frozen=True)
class Closed:
    survey_id: int
    opened_on: date
    responses: int
    k: int


async def close_due(
    session: AsyncSession,
    now: datetime,
    results_ready: Callable[[Closed], Messages],
    too_few: Callable[[Closed], Messages],
) -> list[Closed]:
    """Close surveys whose time is up: everyone hears the results are there, or - below k -
    the coordinators hear why there are none, and the survey's answers and comments are
    deleted. Claimed by a conditional update, so two processes close each survey once."""
    ids = (
        await session.scalars(
            update(PulseSurvey)
            .where(PulseSurvey.closed.is_(False), PulseSurvey.closes_at <= now)
            .values(closed=True)
            .returning(PulseSurvey.id)
        )
    ).all()
    closed = []
    for survey_id in sorted(ids):
        survey = await session.get(PulseSurvey, survey_id)
        assert survey is not None
        done = Closed(survey_id, survey.opened_on, await responses(session, survey_id), survey.k)
        shown = done.responses >= done.k
        if not shown:
            await delete_answers(session, survey_id)
        audience = Audience.of("all") if shown else Audience.of("role", ["admin", "coordinator"])
        await enqueue(
            session,
            member_ids=await audiences.member_ids(session, audience),
            kind="pulse_results",
            messages=(results_ready if shown else too_few)(done),
            placement=Placement.MEETING,
            wanted=now,
        )
        closed.append(done)
    return closed


async def delete_answers(session: AsyncSession, survey_id: int) -> None:
    """The raw answers and comments of a survey that closed below k: never to be shown, so
    not to be kept. Participation stays: it tells who took part, not what they answered."""
    await session.execute(delete(PulseAnswer).where(PulseAnswer.survey_id == survey_id))
    await session.execute(delete(PulseComment).where(PulseComment.survey_id == survey_id))


async def responses(session: AsyncSession, survey_id: int) -> int:
    """How many people answered (as written so far)."""
    count = await session.scalar(
        select(func.count())
        .select_from(PulseParticipation)
        .where(PulseParticipation.survey_id == survey_id)
    )
    return int(count or 0)


async def open_surveys(session: AsyncSession, now: datetime) -> list[OpenSurvey]:
    rows = await session.scalars(
        select(PulseSurvey)
        .where(PulseSurvey.closed.is_(False), PulseSurvey.closes_at > now)
        .order_by(PulseSurvey.id)
    )
    return [_open(row) for row in rows]
