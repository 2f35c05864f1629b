"""Early-warning signals about activities and the climate (issue 16), on SQLite and PostgreSQL:
each raised when its trace appears in generated history and not on normal noise (one quiet
week, a small dip, a survey below k, two concerns), and through `signals.refresh`."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.signals import signals
from bot.services.signals.activities_climate import (
    ActivityLimits,
    ConcernLimits,
    PulseLimits,
    detect_activities_stopped,
    detect_concerns_rising,
    detect_pulse_fell,
)
from bot.services.signals.signals import Thresholds
from storage.models import (
    Activity,
    Concern,
    Goal,
    Organisation,
    PulseAnswer,
    PulseParticipation,
    PulseSurvey,
    Signal,
)

TODAY = date(2026, 3, 10)  # a Tuesday
LIMITS = Thresholds()
QUESTIONS = [
    {"code": "trust", "de": "Ich vertraue den Partnern.", "en": "I trust the partners."},
    {"code": "info", "de": "Ich fühle mich informiert.", "en": "I feel informed."},
]

Sessions = async_sessionmaker[AsyncSession]


def random_id() -> str:
    return secrets.token_urlsafe(16)[:22]


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=15)


# --- activities ----------------------------------------------------------------------------


async def organisation(sessions: Sessions, code: str, *, backbone: bool = False) -> int:
    async with sessions.begin() as session:
        org = Organisation(code=code, name=code.upper(), kind="Verein", backbone=backbone)
        session.add(org)
        await session.flush()
        return org.id


async def log(
    sessions: Sessions, org: int, days: Sequence[date], *, logged: date | None = None
) -> None:
    """Activities of `org` on `days`, each logged on its own day unless `logged` is given."""
    async with sessions.begin() as session:
        goal = await session.scalar(select(Goal.id).limit(1))
        if goal is None:
            row = Goal(code="g1", title_de="Ziel", title_en="Goal")
            session.add(row)
            await session.flush()
            goal = row.id
        for day in days:
            session.add(
                Activity(
                    organisation_id=org,
                    activity_date=day,
                    title="Treffen",
                    goal_id=goal,
                    created_at=at(logged or day),
                    updated_at=at(logged or day),
                )
            )


def weekly(first_weeks_ago: int, last_weeks_ago: int, *, skip: Sequence[int] = ()) -> list[date]:
    """One activity a week, from `first_weeks_ago` to `last_weeks_ago` weeks before TODAY."""
    return [
        TODAY - timedelta(weeks=w)
        for w in range(first_weeks_ago, last_weeks_ago - 1, -1)
        if w not in skip
    ]


async def stopped(sessions: Sessions, today: date = TODAY) -> dict[int, signals.Finding]:
    async with sessions() as session:
        found = await detect_activities_stopped(session, today, LIMITS)
    assert all(f.kind == "activities" and f.reason_code == "activities_stopped" for f in found)
    return {f.organisation_id: f for f in found if f.organisation_id is not None}


async def test_an_organisation_that_stopped_logging_raises_a_signal(sessions: Sessions) -> None:
    awo = await organisation(sessions, "awo")
    await log(sessions, awo, weekly(16, 6))  # regular, then quiet for six weeks
    (finding,) = (await stopped(sessions)).values()
    assert finding.organisation_id == awo
    assert (finding.value, finding.baseline_value) == (6, 4)
    # The 12 weeks before the quiet window (the last 4) hold weeks 15..6 ago.
    assert finding.details == {
        "active_weeks": 10,
        "lookback_weeks": 12,
        "last": "2026-01-27",
    }


async def test_noise_and_irregular_organisations_raise_nothing(sessions: Sessions) -> None:
    # One quiet week - and even three - is noise.
    caritas = await organisation(sessions, "caritas")
    await log(sessions, caritas, weekly(16, 0, skip=[1]))
    diakonie = await organisation(sessions, "diakonie")
    await log(sessions, diakonie, [*weekly(16, 5), TODAY - timedelta(days=27)])
    # Only three active weeks before it went quiet: never regular.
    verein = await organisation(sessions, "verein")
    await log(sessions, verein, [TODAY - timedelta(weeks=w) for w in (15, 10, 6)])
    # Regular and quiet by date, but it entered an older activity last week: a sign of life.
    tafel = await organisation(sessions, "tafel")
    await log(sessions, tafel, weekly(16, 6))
    await log(sessions, tafel, [TODAY - timedelta(weeks=6)], logged=TODAY - timedelta(days=5))
    # The coordination office itself, and an organisation that left, are not watched.
    office = await organisation(sessions, "office", backbone=True)
    await log(sessions, office, weekly(16, 6))
    gone = await organisation(sessions, "gone")
    await log(sessions, gone, weekly(16, 6))
    async with sessions.begin() as session:
        row = await session.get(Organisation, gone)
        assert row is not None
        row.active = False
    # Planned activities after today and activities logged "tomorrow" are not looked at.
    future = await organisation(sessions, "future")
    await log(sessions, future, weekly(16, 6))
    await log(sessions, future, [TODAY + timedelta(days=3)], logged=TODAY + timedelta(days=1))
    assert set(await stopped(sessions)) == {future}
    # And exactly four weeks of silence are enough, three weeks and six days are not.
    assert diakonie in await stopped(sessions, TODAY + timedelta(days=1))
    assert diakonie not in await stopped(sessions, TODAY)


async def test_the_activity_limits_can_be_set(sessions: Sessions) -> None:
    awo = await organisation(sessions, "awo")
    await log(sessions, awo, weekly(10, 3))
    assert await stopped(sessions) == {}
    own = ActivityLimits(quiet_weeks=2, lookback_weeks=8, min_active_weeks=6)
    async with sessions() as session:
        (finding,) = await detect_activities_stopped(session, TODAY, LIMITS, own=own)
    assert (finding.value, finding.baseline_value, finding.details["active_weeks"]) == (3, 2, 7)


# --- pulse ---------------------------------------------------------------------------------


async def survey(
    sessions: Sessions,
    opened_on: date,
    people: Sequence[Sequence[int | None]],
    *,
    k: int = 5,
    closed: bool = True,
) -> int:
    """A survey of QUESTIONS; each person gives a score per question (None: skipped)."""
    async with sessions.begin() as session:
        row = PulseSurvey(
            opened_on=opened_on,
            closes_at=at(opened_on) + timedelta(days=7),
            closed=closed,
            k=k,
            questions=QUESTIONS,
        )
        session.add(row)
        await session.flush()
        for person in people:
            session.add(PulseParticipation(hash=secrets.token_hex(32), survey_id=row.id))
            for question, score in zip(QUESTIONS, person, strict=True):
                if score is not None:
                    session.add(
                        PulseAnswer(
                            id=random_id(),
                            survey_id=row.id,
                            question_code=question["code"],
                            score=score,
                        )
                    )
        return row.id


def answers(trust: Sequence[int], info: Sequence[int | None]) -> list[tuple[int, int | None]]:
    return list(zip(trust, info, strict=True))


async def fell(sessions: Sessions, **own: float) -> list[signals.Finding]:
    async with sessions() as session:
        found = await detect_pulse_fell(session, TODAY, LIMITS, own=PulseLimits(**own))
    assert all(f.kind == "climate" and f.organisation_id is None for f in found)
    return found


JAN, FEB, MAR = date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2)


async def test_a_question_whose_mean_fell_raises_one_signal(sessions: Sessions) -> None:
    await survey(sessions, JAN, answers([4, 4, 4, 4, 4, 4], [4, 3, 4, 3, 4, 3]))  # 4.0, 3.5
    await survey(sessions, FEB, answers([3, 4, 3, 3, 4, 3], [3, 4, 3, 3, 4, 3]))  # 3.33, 3.33
    (finding,) = await fell(sessions)
    assert finding.reason_code == "pulse_fell"
    assert (finding.value, finding.baseline_value) == (3.33, 4.0)
    assert finding.details == {
        "question": "trust",
        "question_de": "Ich vertraue den Partnern.",
        "question_en": "I trust the partners.",
        "survey_day": "2026-02-02",
        "previous_day": "2026-01-05",
        "others": [],
        "others_count": 0,
    }
    # A small dip (info: 3.5 -> 3.33) is noise, but not with a smaller drop set.
    (finding,) = await fell(sessions, drop=0.1)
    assert finding.details["question"] == "trust"
    assert finding.details["others"] == [
        {
            "question": "info",
            "question_de": "Ich fühle mich informiert.",
            "question_en": "I feel informed.",
            "value": 3.33,
            "baseline": 3.5,
            "previous_day": "2026-01-05",
        }
    ]
    assert finding.details["others_count"] == 1


async def test_a_small_dip_raises_nothing(sessions: Sessions) -> None:
    await survey(sessions, JAN, answers([4, 4, 4, 4, 4, 4], [4, 4, 4, 4, 4, 4]))
    await survey(sessions, FEB, answers([4, 4, 4, 3, 4, 4], [4, 3, 4, 4, 3, 4]))  # 3.83, 3.67
    assert await fell(sessions) == []
    (finding,) = await fell(sessions, drop=0.3)
    assert (finding.details["question"], finding.value, finding.baseline_value) == (
        "info",
        3.67,
        4.0,
    )


async def test_surveys_below_k_open_or_in_the_future_leave_no_trace(sessions: Sessions) -> None:
    await survey(sessions, JAN, answers([4, 4, 4, 4, 4], [4, 4, 4, 4, 4]))
    assert await fell(sessions) == []
    # The latest closed survey is below its k: nothing, however low its answers.
    await survey(sessions, FEB, answers([1, 1, 1, 1], [1, 1, 1, 1]))
    assert await fell(sessions) == []
    # A question somebody skipped in the latest survey is below k on its own.
    await survey(sessions, MAR, answers([4, 4, 4, 4, 4], [1, 1, 1, 1, None]))
    assert await fell(sessions) == []
    # Open surveys and those opened after today are not looked at.
    await survey(sessions, MAR + timedelta(days=1), answers([1] * 6, [1] * 6), closed=False)
    await survey(sessions, TODAY + timedelta(days=1), answers([1] * 6, [1] * 6))
    assert await fell(sessions) == []


async def test_a_survey_below_k_is_skipped_as_the_baseline(sessions: Sessions) -> None:
    await survey(sessions, JAN, answers([5, 5, 5, 5, 5], [4, 4, 4, 4, 4]))
    await survey(sessions, FEB, answers([1, 1, 1], [1, 1, 1]))  # below k: never compared
    await survey(sessions, MAR, answers([4, 4, 4, 4, 4], [4, 4, 4, 4, 3]))
    (finding,) = await fell(sessions)
    assert (finding.value, finding.baseline_value) == (4.0, 5.0)
    assert finding.details["previous_day"] == "2026-01-05"
    assert finding.details["survey_day"] == "2026-03-02"


async def test_the_k_of_each_survey_counts(sessions: Sessions) -> None:
    await survey(sessions, JAN, answers([5, 5, 5], [4, 4, 4]), k=3)
    await survey(sessions, FEB, answers([3, 3, 3], [4, 4, 4]), k=4)  # below its own k
    assert await fell(sessions) == []
    await survey(sessions, MAR, answers([3, 3, 3], [4, 4, 4]), k=3)
    (finding,) = await fell(sessions)
    assert (finding.value, finding.baseline_value) == (3.0, 5.0)


# --- concerns ------------------------------------------------------------------------------


async def concerns(sessions: Sessions, category: str, *days_ago: int) -> None:
    async with sessions.begin() as session:
        for ago in days_ago:
            day = TODAY - timedelta(days=ago)
            session.add(
                Concern(
                    id=random_id(),
                    ticket=secrets.token_hex(4).upper(),
                    category=category,
                    severity="medium",
                    anonymous=True,
                    opened_on=day,
                    last_activity_on=day,
                    batch_at=at(day),
                )
            )


async def rising(sessions: Sessions, own: ConcernLimits | None = None) -> list[signals.Finding]:
    async with sessions() as session:
        found = await detect_concerns_rising(session, TODAY, LIMITS, own=own or ConcernLimits())
    assert all(f.kind == "climate" and f.organisation_id is None for f in found)
    return found


async def test_concerns_of_one_category_rising_raise_one_signal(sessions: Sessions) -> None:
    await concerns(sessions, "communication", 0, 3, 10, 27, 40)  # 4 now, 1 before
    await concerns(sessions, "roles", 2, 5, 20)  # 3 now, none before
    await concerns(sessions, "data", 1, 2, 3, 30, 35)  # 3 now, 2 before: not twice
    await concerns(sessions, "goals", 1, 2, 60, 90, 100)  # 2 now: never below 3
    (finding,) = await rising(sessions)
    assert finding.reason_code == "concerns_rising"
    assert (finding.value, finding.baseline_value) == (4, 1)
    assert finding.details == {
        "category": "communication",
        "window_days": 28,
        "others": [{"category": "roles", "value": 3, "baseline": 0}],
        "others_count": 1,
    }


async def test_two_concerns_or_a_steady_count_raise_nothing(sessions: Sessions) -> None:
    await concerns(sessions, "communication", 1, 2)
    await concerns(sessions, "roles", 1, 5, 9, 12, 30, 33, 50)  # 4 now, 3 before
    await concerns(sessions, "data", 28, 29, 30, 31)  # all in the window before
    assert await rising(sessions) == []
    # With a lower bar the two concerns would count; the limits are the caller's.
    (finding,) = await rising(sessions, ConcernLimits(min_count=2, factor=1.3))
    assert finding.details["category"] == "communication"
    assert finding.details["others"] == [{"category": "roles", "value": 4, "baseline": 3}]


# --- through the engine --------------------------------------------------------------------


async def test_refresh_opens_and_resolves_signals_from_these_detectors(sessions: Sessions) -> None:
    awo = await organisation(sessions, "awo")
    await log(sessions, awo, weekly(16, 5))
    await survey(sessions, JAN, answers([4, 4, 4, 4, 4, 4], [4, 4, 4, 4, 4, 4]))
    await survey(sessions, FEB, answers([3, 3, 3, 3, 3, 3], [4, 4, 4, 4, 4, 4]))
    await concerns(sessions, "resources", 1, 2, 3)
    async with sessions.begin() as session:
        await signals.refresh(session, TODAY, LIMITS)
    async with sessions() as session:
        rows = (await session.scalars(select(Signal).order_by(Signal.reason_code))).all()
        got = [
            (s.kind, s.reason_code, s.organisation_id, s.status, s.value, s.baseline_value)
            for s in rows
        ]
    assert got == [
        ("activities", "activities_stopped", awo, "open", 5, 4),
        ("climate", "concerns_rising", None, "open", 3, 0),
        ("climate", "pulse_fell", None, "open", 3.0, 4.0),
    ]
    assert rows[2].details["survey_day"] == "2026-02-02"
    assert rows[0].opened_on == TODAY

    # The organisation logs again: its signal resolves; the others stay open.
    await log(sessions, awo, [TODAY])
    async with sessions.begin() as session:
        await signals.refresh(session, TODAY, LIMITS)
    async with sessions() as session:
        found = await session.execute(select(Signal.reason_code, Signal.status))
        statuses = {code: status for code, status in found}
    assert statuses == {
        "activities_stopped": "resolved",
        "concerns_rising": "open",
        "pulse_fell": "open",
    }
