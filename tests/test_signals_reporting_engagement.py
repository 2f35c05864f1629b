"""Early-warning signals from reporting and engagement (issue 16) on SQLite and PostgreSQL:
an organisation's on-time rate falling clearly, its members no longer confirming broadcasts
or answering meeting reminders; raised when the trace appears, not on normal noise (a single
late report, one quiet week), with the thresholds' edges; and once through `signals.refresh`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.signals import signals
from bot.services.signals.engagement import EngagementLimits, detect_acks, detect_rsvps
from bot.services.signals.reporting import OnTimeLimits, detect_on_time
from bot.services.signals.signals import Finding, Thresholds
from storage.models import (
    Broadcast,
    ClosedPeriod,
    Delivery,
    Goal,
    Indicator,
    IndicatorValue,
    Member,
    Obligation,
    Organisation,
    Rsvp,
    Schedule,
    ScheduleRun,
    Signal,
)

Sessions = async_sessionmaker[AsyncSession]
TODAY = date(2026, 12, 15)
LIMITS = Thresholds()
# The engagement windows with the defaults: the recent six weeks end three days before today.
WINDOW_END = TODAY - timedelta(days=3)
RECENT_WEEKS = [WINDOW_END - timedelta(weeks=w, days=1) for w in range(6)]
EARLIER_WEEKS = [WINDOW_END - timedelta(weeks=6 + w, days=1) for w in range(6)]
ON_TIME, LATE, MISSING, IMPORTED = "on time", "late", "missing", "imported"


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def organisation(sessions: Sessions, code: str, *, backbone: bool = False) -> int:
    async with sessions.begin() as session:
        row = Organisation(code=code, name=code.upper(), kind="Verein", backbone=backbone)
        session.add(row)
        await session.flush()
        return row.id


async def members(sessions: Sessions, organisation_id: int, count: int) -> list[int]:
    async with sessions.begin() as session:
        rows = [
            Member(
                telegram_id=organisation_id * 1000 + n,
                display_name=f"Person {organisation_id}-{n}",
                organisation_id=organisation_id,
                role="partner",
                language="de",
            )
            for n in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def findings(
    sessions: Sessions, detector: Callable[..., Awaitable[list[Finding]]], **own: object
) -> dict[str, Finding]:
    """What a detector finds today, by organisation code."""
    async with sessions() as session:
        found = await detector(session, TODAY, LIMITS, **own)
        codes = dict((await session.execute(select(Organisation.id, Organisation.code))).all())
    assert all(f.organisation_id is not None for f in found)
    return {codes[f.organisation_id or 0]: f for f in found}


# --- reporting -------------------------------------------------------------------------------


async def indicators(sessions: Sessions, count: int) -> list[int]:
    async with sessions.begin() as session:
        goal = await session.scalar(select(Goal).where(Goal.code == "g"))
        if goal is None:
            goal = Goal(code="g", title_de="Ziel", title_en="Goal")
            session.add(goal)
            await session.flush()
        existing = len((await session.scalars(select(Indicator.id))).all())
        rows = [
            Indicator(
                code=f"i{existing + n}",
                name_de=f"Kennzahl {n}",
                name_en=f"Indicator {n}",
                type="integer",
                frequency="monthly",
                aggregation="sum",
                goal_id=goal.id,
                level="output",
            )
            for n in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


def month_end(month: int) -> date:
    return date(2026, 12, 31) if month == 12 else date(2026, month + 1, 1) - timedelta(days=1)


async def history(
    sessions: Sessions,
    organisation_id: int,
    indicator_ids: Sequence[int],
    months: dict[int, Sequence[str]],
    *,
    extended: dict[int, int] | None = None,
) -> None:
    """Monthly obligations of 2026, each due five days after the month, reported as given:
    per month, one outcome per indicator (or one for all). `extended`: month -> days granted."""
    async with sessions.begin() as session:
        for month, outcomes in months.items():
            due = at(month_end(month) + timedelta(days=5), 22)
            granted = (extended or {}).get(month)
            until = due + timedelta(days=granted) if granted else None
            if len(outcomes) == 1:
                outcomes = list(outcomes) * len(indicator_ids)
            for indicator_id, outcome in zip(indicator_ids, outcomes, strict=True):
                session.add(
                    Obligation(
                        indicator_id=indicator_id,
                        organisation_id=organisation_id,
                        period=f"2026-{month:02d}",
                        period_start=date(2026, month, 1),
                        period_end=month_end(month),
                        due_at=due,
                        extended_until=until,
                    )
                )
                if outcome == MISSING:
                    continue
                reported = (
                    due - timedelta(days=2) if outcome == ON_TIME else due + timedelta(days=4)
                )
                session.add(
                    IndicatorValue(
                        indicator_id=indicator_id,
                        organisation_id=organisation_id,
                        period=f"2026-{month:02d}",
                        value=1,
                        revision=1,
                        reported_at=reported,
                        source="import" if outcome == IMPORTED else "chat",
                    )
                )
                # A later correction does not change whether the first one was on time.
                session.add(
                    IndicatorValue(
                        indicator_id=indicator_id,
                        organisation_id=organisation_id,
                        period=f"2026-{month:02d}",
                        value=2,
                        revision=2,
                        reported_at=reported + timedelta(days=1),
                    )
                )


def months(earlier: Sequence[str], recent: Sequence[Sequence[str]]) -> dict[int, Sequence[str]]:
    """Months up to November (due 5 December): the earlier ones with one outcome, then the
    recent three (September to November) as given."""
    first = 9 - len(earlier)
    return {
        **{first + n: [outcome] for n, outcome in enumerate(earlier)},
        **{9 + n: outcomes for n, outcomes in enumerate(recent)},
    }


async def test_an_organisation_reporting_late_again_and_again_raises_a_signal(
    sessions: Sessions,
) -> None:
    two = await indicators(sessions, 2)
    awo, caritas, diakonie = [await organisation(sessions, c) for c in ("awo", "caritas", "dia")]
    await history(sessions, awo, two, months([ON_TIME] * 6, [[ON_TIME], [LATE], [LATE]]))
    # Noise: a single late report, and one late month with both indicators late.
    await history(
        sessions, caritas, two, months([ON_TIME] * 6, [[ON_TIME], [LATE, ON_TIME], [ON_TIME]])
    )
    await history(sessions, diakonie, two, months([ON_TIME] * 6, [[ON_TIME], [ON_TIME], [LATE]]))
    # The running month (due 5 January) does not count yet, even unreported.
    await history(sessions, caritas, two, {12: [MISSING]})

    found = await findings(sessions, detect_on_time)
    assert list(found) == ["awo"]
    signal = found["awo"]
    assert (signal.kind, signal.reason_code) == ("reporting", "on_time_fell")
    assert (signal.value, signal.baseline_value) == (33.0, 100.0)
    assert signal.details == {"recent": 6, "earlier": 12, "compared": "own"}


async def test_missing_reports_are_late_imports_are_left_out_extensions_count(
    sessions: Sessions,
) -> None:
    one = await indicators(sessions, 1)
    missing, imported, extended = [await organisation(sessions, c) for c in ("mi", "im", "ex")]
    await history(sessions, missing, one, months([ON_TIME] * 6, [[ON_TIME], [MISSING], [MISSING]]))
    await history(
        sessions, imported, one, months([ON_TIME] * 6, [[IMPORTED], [IMPORTED], [IMPORTED]])
    )
    # Reported four days after the due day, with a week's extension: on time.
    await history(
        sessions,
        extended,
        one,
        months([ON_TIME] * 6, [[ON_TIME], [LATE], [LATE]]),
        extended={10: 7, 11: 7},
    )
    found = await findings(sessions, detect_on_time)
    assert list(found) == ["mi"]
    # Its own earlier months and the others' recent ones (the imports left out) were all on
    # time: on a tie the comparison is with its own history.
    assert (found["mi"].value, found["mi"].baseline_value) == (33.0, 100.0)
    assert found["mi"].details == {"recent": 3, "earlier": 6, "compared": "own"}


async def test_a_closed_period_counts_before_its_due_day(sessions: Sessions) -> None:
    one = await indicators(sessions, 1)
    awo = await organisation(sessions, "awo")
    await history(sessions, awo, one, {**months([ON_TIME] * 6, [[ON_TIME], [LATE]]), 12: [MISSING]})
    assert await findings(sessions, detect_on_time) == {}
    async with sessions.begin() as session:
        session.add(ClosedPeriod(period="2026-12", closed_at=at(TODAY)))
    found = await findings(sessions, detect_on_time)
    assert found["awo"].details["recent"] == 3
    assert found["awo"].value == 33.0


async def test_the_initiative_is_the_comparison_when_there_is_no_own_history(
    sessions: Sessions,
) -> None:
    one = await indicators(sessions, 1)
    new, old = await organisation(sessions, "neu"), await organisation(sessions, "alt")
    # Two earlier months only: too few to compare with its own history.
    await history(sessions, new, one, months([ON_TIME] * 2, [[ON_TIME], [LATE], [LATE]]))
    assert await findings(sessions, detect_on_time) == {}
    await history(sessions, old, one, months([ON_TIME] * 6, [[ON_TIME], [ON_TIME], [LATE]]))
    found = await findings(sessions, detect_on_time)
    assert list(found) == ["neu"]
    # The others were on time in two of the same three months.
    assert (found["neu"].value, found["neu"].baseline_value) == (33.0, 67.0)
    assert found["neu"].details == {"recent": 3, "earlier": 3, "compared": "initiative"}
    # Asking for more due obligations on each side silences it.
    assert await findings(sessions, detect_on_time, own=OnTimeLimits(min_obligations=4)) == {}


async def test_on_time_thresholds_at_their_edges(sessions: Sessions) -> None:
    five = await indicators(sessions, 5)
    awo = await organisation(sessions, "awo")
    # Earlier 21 of 30 on time (70 %), recently 6 of 15 (40 %): exactly 30 points lower.
    earlier = [[ON_TIME] * 3 + [LATE] * 2] * 3 + [[ON_TIME] * 4 + [LATE]] * 3
    recent = [[ON_TIME] * 2 + [LATE] * 3, [ON_TIME] * 2 + [LATE] * 3, [ON_TIME] * 2 + [LATE] * 3]
    await history(sessions, awo, five, {3 + n: o for n, o in enumerate(earlier + recent)})
    found = await findings(sessions, detect_on_time)
    assert (found["awo"].value, found["awo"].baseline_value) == (40.0, 70.0)
    assert found["awo"].details == {"recent": 15, "earlier": 30, "compared": "own"}
    assert await findings(sessions, detect_on_time, own=OnTimeLimits(drop=0.31)) == {}
    # Late reports in all three recent months: three late periods are enough, four are not.
    assert await findings(sessions, detect_on_time, own=OnTimeLimits(min_late_periods=3))
    assert await findings(sessions, detect_on_time, own=OnTimeLimits(min_late_periods=4)) == {}
    # A two-month window: 4 of 10 against 20 of 30 in the six months before (September among
    # them) is 27 points lower, not enough.
    assert await findings(sessions, detect_on_time, own=OnTimeLimits(periods=2)) == {}
    assert await findings(sessions, detect_on_time, own=OnTimeLimits(periods=2, drop=0.26))


# --- broadcasts ------------------------------------------------------------------------------


async def broadcast(
    sessions: Sessions,
    day: date,
    acknowledged: dict[int, bool],
    *,
    ask_ack: bool = True,
    state: str = "sent",
) -> None:
    """A broadcast on `day` to these members, each confirmed or not."""
    async with sessions.begin() as session:
        author = await session.scalar(select(Member.id).order_by(Member.id).limit(1))
        assert author is not None
        row = Broadcast(
            author_id=author, audience="all", text="Hallo", ask_ack=ask_ack, created_at=at(day)
        )
        session.add(row)
        await session.flush()
        for member_id, confirmed in acknowledged.items():
            session.add(
                Delivery(
                    member_id=member_id,
                    kind="broadcast",
                    reference=f"broadcast:{row.id}",
                    payload={"text": "Hallo"},
                    state=state,
                    not_before=at(day),
                    sent_at=at(day) if state == "sent" else None,
                    acknowledged_at=at(day, 15) if confirmed else None,
                )
            )


async def weekly_broadcasts(
    sessions: Sessions, people: Sequence[int], earlier: Sequence[bool], recent: Sequence[bool]
) -> None:
    """One broadcast a week to `people`, confirmed by all or by none in that week."""
    for day, confirmed in [
        *zip(EARLIER_WEEKS, earlier, strict=False),
        *zip(RECENT_WEEKS, recent, strict=False),
    ]:
        await broadcast(sessions, day, dict.fromkeys(people, confirmed))


async def test_broadcasts_no_longer_confirmed_raise_a_signal_one_quiet_week_does_not(
    sessions: Sessions,
) -> None:
    koord = await organisation(sessions, "koord", backbone=True)
    awo, caritas = await organisation(sessions, "awo"), await organisation(sessions, "caritas")
    coordinators = await members(sessions, koord, 1)
    awo_people, caritas_people = (
        await members(sessions, awo, 2),
        await members(sessions, caritas, 1),
    )
    await weekly_broadcasts(
        sessions, awo_people, [True] * 6, [True, False, False, False, False, True]
    )
    await weekly_broadcasts(
        sessions, caritas_people, [True] * 6, [True, True, False, True, True, True]
    )
    # The coordination office is not watched.
    await weekly_broadcasts(sessions, coordinators, [True] * 6, [False] * 6)
    found = await findings(sessions, detect_acks)
    assert list(found) == ["awo"]
    signal = found["awo"]
    assert (signal.kind, signal.reason_code) == ("engagement", "acks_fell")
    assert (signal.value, signal.baseline_value) == (33.0, 100.0)
    assert signal.details == {
        "recent": 12,
        "earlier": 12,
        "weeks": 6,
        "from": (WINDOW_END - timedelta(weeks=6)).isoformat(),
        "until": WINDOW_END.isoformat(),
    }


async def test_what_counts_as_a_broadcast_to_confirm(sessions: Sessions) -> None:
    awo = await organisation(sessions, "awo")
    (person,) = await members(sessions, awo, 1)
    await weekly_broadcasts(sessions, [person], [True] * 6, [True] * 6)
    # Not counted: broadcasts that asked for nothing, deliveries not sent (yet) or not
    # reached, a broadcast of the last three days, one older than both windows.
    for day in RECENT_WEEKS:
        await broadcast(sessions, day, {person: False}, ask_ack=False)
        await broadcast(sessions, day, {person: False}, state="pending")
        await broadcast(sessions, day, {person: False}, state="blocked")
    for days in (0, 1, 2):
        await broadcast(sessions, TODAY - timedelta(days=days), {person: False})
    await broadcast(sessions, EARLIER_WEEKS[-1] - timedelta(weeks=1), {person: False})
    assert await findings(sessions, detect_acks) == {}


async def test_acknowledgement_thresholds_at_their_edges(sessions: Sessions) -> None:
    awo = await organisation(sessions, "awo")
    people = await members(sessions, awo, 10)
    # Earlier 7 of 10 confirmed (70 %), recently 4 of 10 (40 %): exactly 30 points lower.
    await broadcast(sessions, EARLIER_WEEKS[2], {p: n < 7 for n, p in enumerate(people)})
    await broadcast(sessions, RECENT_WEEKS[2], {p: n < 4 for n, p in enumerate(people)})
    found = await findings(sessions, detect_acks)
    assert (found["awo"].value, found["awo"].baseline_value) == (40.0, 70.0)
    assert await findings(sessions, detect_acks, own=EngagementLimits(drop=0.31)) == {}
    assert await findings(sessions, detect_acks, own=EngagementLimits(min_deliveries=10))
    assert await findings(sessions, detect_acks, own=EngagementLimits(min_deliveries=11)) == {}


async def test_too_few_broadcasts_raise_nothing(sessions: Sessions) -> None:
    awo = await organisation(sessions, "awo")
    (person,) = await members(sessions, awo, 1)
    # Four confirmed, then four ignored: fewer than five in each window.
    await weekly_broadcasts(sessions, [person], [True] * 4, [False] * 4)
    assert await findings(sessions, detect_acks) == {}
    await broadcast(sessions, EARLIER_WEEKS[5], {person: True})
    await broadcast(sessions, RECENT_WEEKS[5], {person: False})
    assert (await findings(sessions, detect_acks))["awo"].value == 0.0


# --- meeting RSVPs ---------------------------------------------------------------------------


async def meetings(
    sessions: Sessions, answers: dict[int, Sequence[bool]], *, delay_hours: int = 0
) -> None:
    """A weekly meeting reminder over both windows (earlier weeks first), sent to these
    members; each answered or not that week (yes and no alike)."""
    days = [*reversed(EARLIER_WEEKS), *reversed(RECENT_WEEKS)]
    async with sessions.begin() as session:
        schedule = Schedule(code="runde", kind="meeting", rrule="FREQ=WEEKLY", text_de="Runde")
        session.add(schedule)
        await session.flush()
        for week, day in enumerate(days):
            occurrence = at(day, 8)
            session.add(
                ScheduleRun(
                    schedule_id=schedule.id,
                    occurrence=occurrence,
                    fired_at=occurrence,
                    recipients=len(answers),
                )
            )
            for member_id, answered in answers.items():
                session.add(
                    Delivery(
                        member_id=member_id,
                        kind="meeting",
                        reference=f"schedule:{schedule.id}",
                        payload={"text": "Runde"},
                        state="sent",
                        not_before=occurrence + timedelta(hours=delay_hours),
                        sent_at=occurrence + timedelta(hours=delay_hours),
                    )
                )
                if answered[week]:
                    session.add(
                        Rsvp(
                            schedule_id=schedule.id,
                            meeting_on=day,
                            member_id=member_id,
                            answer="yes" if week % 2 else "no",
                            answered_at=occurrence + timedelta(hours=1),
                        )
                    )


async def test_meeting_reminders_no_longer_answered_raise_a_signal(sessions: Sessions) -> None:
    awo, caritas = await organisation(sessions, "awo"), await organisation(sessions, "caritas")
    (anna,) = await members(sessions, awo, 1)
    (carla,) = await members(sessions, caritas, 1)
    quiet_week = [True] * 6 + [True, True, False, True, True, True]
    await meetings(
        sessions, {anna: [True] * 6 + [True, False, False, False, False, False], carla: quiet_week}
    )
    found = await findings(sessions, detect_rsvps)
    assert list(found) == ["awo"]
    signal = found["awo"]
    assert (signal.kind, signal.reason_code) == ("engagement", "rsvps_fell")
    assert (signal.value, signal.baseline_value) == (17.0, 100.0)
    assert (signal.details["recent"], signal.details["earlier"]) == (6, 6)
    # Broadcasts are a different trace.
    assert await findings(sessions, detect_acks) == {}


async def test_a_reminder_held_back_by_quiet_hours_belongs_to_its_meeting(
    sessions: Sessions,
) -> None:
    awo = await organisation(sessions, "awo")
    (anna,) = await members(sessions, awo, 1)
    # Sent seventeen hours late (past midnight): still the meeting day it was fired for.
    await meetings(sessions, {anna: [True] * 6 + [False] * 6}, delay_hours=17)
    found = await findings(sessions, detect_rsvps)
    assert (found["awo"].value, found["awo"].baseline_value) == (0.0, 100.0)
    assert await findings(sessions, detect_rsvps, own=EngagementLimits(min_deliveries=7)) == {}


# --- through the engine ----------------------------------------------------------------------


async def test_refresh_opens_resolves_the_signals(sessions: Sessions) -> None:
    one = await indicators(sessions, 1)
    awo = await organisation(sessions, "awo")
    people = await members(sessions, awo, 1)
    await history(sessions, awo, one, months([ON_TIME] * 6, [[ON_TIME], [LATE], [LATE]]))
    await weekly_broadcasts(sessions, people, [True] * 6, [False] * 6)
    await meetings(sessions, {people[0]: [True] * 6 + [False] * 6})
    async with sessions.begin() as session:
        await signals.refresh(session, TODAY, LIMITS)
    async with sessions() as session:
        rows = await session.execute(
            sql(
                "SELECT kind, organisation_code, opened_on, status, reason_code, value,"
                " baseline_value FROM v_signals WHERE reason_code IN"
                " ('acks_fell', 'on_time_fell', 'rsvps_fell') ORDER BY reason_code"
            )
        )
        found = [tuple(row) for row in rows]
        details = {s.reason_code: s.details for s in (await session.scalars(select(Signal))).all()}
    assert found == [
        ("engagement", "awo", TODAY.isoformat(), "open", "acks_fell", 0.0, 100.0),
        ("reporting", "awo", TODAY.isoformat(), "open", "on_time_fell", 33.0, 100.0),
        ("engagement", "awo", TODAY.isoformat(), "open", "rsvps_fell", 0.0, 100.0),
    ]
    assert details["on_time_fell"] == {"recent": 3, "earlier": 6, "compared": "own"}
    # The members confirm again: that trace is gone, its signal resolves.
    async with sessions.begin() as session:
        for delivery in (await session.scalars(select(Delivery))).all():
            delivery.acknowledged_at = delivery.not_before
        await signals.refresh(session, TODAY, LIMITS)
    async with sessions() as session:
        rows = await session.execute(select(Signal.reason_code, Signal.status))
        statuses = {reason: status for reason, status in rows if reason != "silent"}
    assert statuses == {"acks_fell": "resolved", "on_time_fell": "open", "rsvps_fell": "open"}
