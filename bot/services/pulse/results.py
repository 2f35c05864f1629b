"""Results of pulse surveys (DESIGN section 6): per question the count, mean, distribution and
trend over earlier surveys, and the comments - only once a survey is closed and at least k
people answered.

The rule lives here and only here: of a survey still open or closed below its k nothing leaves
this module - not the number of answers, no question's figures, no trend point, no comment.
While a survey runs, its answers arrive in batches of k, and each batch would move its figures:
so nothing of it is told before the closing, not even how many answered. The trend of a question
holds only the closed surveys in which that question reached the survey's k, so a survey below k
leaves no trace in a later survey's trend either (as in v_pulse_results).

Comments come ordered by their random id, so their order tells nothing about who wrote them or
when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import NotFound
from storage.models import PulseAnswer, PulseComment, PulseSurvey

SCORES = (1, 2, 3, 4, 5)
# A trend shows at most this many surveys (the latest), so a chart stays readable.
TREND_POINTS = 12

# (survey id, question code) -> score -> how many gave it
Counts = dict[tuple[int, str], dict[int, int]]


@dataclass(frozen=True)
class TrendPoint:
    survey_id: int
    opened_on: date
    mean: float


@dataclass(frozen=True)
class QuestionResult:
    code: str
    text_de: str
    text_en: str
    responses: int
    # The full mean; rounding for display is the caller's job.
    mean: float
    # Every score 1..5 as a key, also those nobody gave.
    distribution: dict[int, int]
    # This question's mean in the earlier surveys where it reached their k, oldest first,
    # ending with this survey (at most TREND_POINTS points).
    trend: list[TrendPoint]

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_de


@dataclass(frozen=True)
class SurveyResults:
    survey_id: int
    opened_on: date
    closes_at: datetime
    closed: bool
    k: int
    # People who answered (the answers to the first question); None unless shown.
    responses: int | None
    # Closed with responses >= k; when not, questions and comments are empty.
    shown: bool
    questions: list[QuestionResult]
    comments: list[str]


@dataclass(frozen=True)
class SurveySummary:
    survey_id: int
    opened_on: date
    closes_at: datetime
    closed: bool
    # None unless shown.
    responses: int | None
    shown: bool


async def survey_results(session: AsyncSession, survey_id: int) -> SurveyResults:
    """One survey's results; while it is open or below its k, only that it is not shown."""
    survey = await session.get(PulseSurvey, survey_id)
    if survey is None:
        raise NotFound("pulse.unknown")
    earlier = list(
        await session.scalars(
            select(PulseSurvey)
            .where(
                or_(
                    PulseSurvey.opened_on < survey.opened_on,
                    and_(PulseSurvey.opened_on == survey.opened_on, PulseSurvey.id < survey.id),
                )
            )
            .order_by(PulseSurvey.opened_on, PulseSurvey.id)
        )
    )
    counts = await _counts(session, [*(s.id for s in earlier), survey.id])
    results = _results(survey, earlier, counts, comments=[])
    if not results.shown:
        return results
    return _with_comments(results, await _comments(session, [survey.id]))


async def recent_surveys(session: AsyncSession, limit: int = 6) -> list[SurveySummary]:
    """The latest surveys, open and closed, newest first."""
    surveys = list(
        await session.scalars(
            select(PulseSurvey)
            .order_by(PulseSurvey.opened_on.desc(), PulseSurvey.id.desc())
            .limit(limit)
        )
    )
    counts = await _counts(session, [s.id for s in surveys])
    summaries = []
    for survey in surveys:
        shown = _shown(survey, counts)
        summaries.append(
            SurveySummary(
                survey.id,
                survey.opened_on,
                survey.closes_at,
                survey.closed,
                _responses(survey, counts) if shown else None,
                shown,
            )
        )
    return summaries


async def shown_surveys(
    session: AsyncSession,
    *,
    since: date | None = None,
    until: date | None = None,
    zone: ZoneInfo,
) -> list[SurveyResults]:
    """The closed surveys that reached their k and whose opened_on..closes_at overlaps
    [since, until] (days in `zone`), oldest first, with their comments. Surveys still open or
    below k are left out."""
    query = select(PulseSurvey).order_by(PulseSurvey.opened_on, PulseSurvey.id)
    if until is not None:
        query = query.where(PulseSurvey.opened_on <= until)
    surveys = list(await session.scalars(query))
    counts = await _counts(session, [s.id for s in surveys])
    start = None if since is None else datetime.combine(since, time(), zone)
    results = []
    for position, survey in enumerate(surveys):
        if start is not None and survey.closes_at < start:
            continue
        found = _results(survey, surveys[:position], counts, comments=[])
        if found.shown:
            results.append(found)
    comments = await _comments(session, [r.survey_id for r in results])
    return [_with_comments(r, comments) for r in results]


def _results(
    survey: PulseSurvey, earlier: Sequence[PulseSurvey], counts: Counts, comments: list[str]
) -> SurveyResults:
    shown = _shown(survey, counts)
    questions = []
    if shown:
        for question in _questions(survey):
            code = question["code"]
            scores = counts.get((survey.id, code), {})
            if sum(scores.values()) < survey.k:  # a question somebody skipped
                continue
            trend = [
                TrendPoint(s.id, s.opened_on, _mean(counts[(s.id, code)]))
                for s in [*earlier, survey]
                if _reached_k(s, code, counts)
            ][-TREND_POINTS:]
            questions.append(
                QuestionResult(
                    code=code,
                    text_de=str(question.get("de", code)),
                    text_en=str(question.get("en", code)),
                    responses=sum(scores.values()),
                    mean=_mean(scores),
                    distribution={score: scores.get(score, 0) for score in SCORES},
                    trend=trend,
                )
            )
    return SurveyResults(
        survey_id=survey.id,
        opened_on=survey.opened_on,
        closes_at=survey.closes_at,
        closed=survey.closed,
        k=survey.k,
        responses=_responses(survey, counts) if shown else None,
        shown=shown,
        questions=questions,
        comments=comments if shown else [],
    )


def _with_comments(results: SurveyResults, comments: dict[int, list[str]]) -> SurveyResults:
    assert results.shown
    return replace(results, comments=comments.get(results.survey_id, []))


def _questions(survey: PulseSurvey) -> list[dict[str, Any]]:
    return [q for q in survey.questions if isinstance(q, dict) and q.get("code")]


def _responses(survey: PulseSurvey, counts: Counts) -> int:
    """People who answered: every answer gives a score to every question, so the first
    question's answers count them."""
    questions = _questions(survey)
    if not questions:
        return 0
    return sum(counts.get((survey.id, questions[0]["code"]), {}).values())


def _shown(survey: PulseSurvey, counts: Counts) -> bool:
    return survey.closed and _responses(survey, counts) >= survey.k


def _reached_k(survey: PulseSurvey, code: str, counts: Counts) -> bool:
    return _shown(survey, counts) and sum(counts.get((survey.id, code), {}).values()) >= survey.k


def _mean(scores: dict[int, int]) -> float:
    total = sum(scores.values())
    return sum(score * n for score, n in scores.items()) / total


async def _counts(session: AsyncSession, survey_ids: Iterable[int]) -> Counts:
    ids = list(survey_ids)
    counts: Counts = defaultdict(dict)
    if not ids:
        return counts
    rows = await session.execute(
        select(PulseAnswer.survey_id, PulseAnswer.question_code, PulseAnswer.score, func.count())
        .where(PulseAnswer.survey_id.in_(ids))
        .group_by(PulseAnswer.survey_id, PulseAnswer.question_code, PulseAnswer.score)
    )
    for survey_id, code, score, n in rows:
        counts[(survey_id, code)][score] = n
    return dict(counts)


async def _comments(session: AsyncSession, survey_ids: list[int]) -> dict[int, list[str]]:
    """The comments of surveys already known to have reached k, by their random id."""
    if not survey_ids:
        return {}
    rows = await session.execute(
        select(PulseComment.survey_id, PulseComment.id, PulseComment.text).where(
            PulseComment.survey_id.in_(survey_ids)
        )
    )
    # Sorted here, not in SQL: PostgreSQL's collation would order the ids differently.
    found: dict[int, list[str]] = defaultdict(list)
    for survey_id, _, text in sorted(rows, key=lambda row: (row[0], row[1])):
        found[survey_id].append(text)
    return dict(found)
