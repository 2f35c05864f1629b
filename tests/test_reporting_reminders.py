"""Reporting reminders with a controlled clock on SQLite and PostgreSQL: the offsets for
weekly, monthly and quarterly indicators, a report in between stops the rest, bundling,
reminder hour, quiet hours, pause and a holiday, escalation once a day, an extension."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.services.obligations import ensure_obligations
from bot.services.reminders.withdrawal import drop_settled_reminders
from bot.services.report.reminders import send_escalations, send_reminders
from handlers.report.reminder_texts import ReportingTexts
from storage.models import (
    Delivery,
    Indicator,
    IndicatorValue,
    Member,
    Obligation,
    Organisation,
    Role,
)
from tests.conftest import RunningBot, apply_initiative_text
from tests.steps import run_jobs

INITIATIVE = """
[initiative]
name = "Test"
timezone = "Europe/Berlin"
default_language = "de"
start = 2026-01-01
holidays = "DE-NI"

[[organisations]]
code = "koord"
name = "Koordination"
backbone = true

[[organisations]]
code = "a"
name = "Org A"

[[organisations]]
code = "b"
name = "Org B"

[[goals]]
code = "ziel"
title = { de = "Ziel" }

[[indicators]]
code = "monat"
name = { de = "Monatswert" }
type = "integer"
frequency = "monthly"
aggregation = "sum"
goal = "ziel"
level = "output"
due_days = 5
reported_by = ["a", "b"]

[[indicators]]
code = "quartal"
name = { de = "Quartalswert" }
type = "integer"
frequency = "quarterly"
aggregation = "sum"
goal = "ziel"
level = "output"
due_days = 10
reported_by = ["a"]

[[indicators]]
code = "woche"
name = { de = "Wochenwert" }
type = "integer"
frequency = "weekly"
aggregation = "sum"
goal = "ziel"
level = "output"
due_days = 2
reported_by = ["b"]

[[reminders]]
code = "melden"
kind = "reporting"
offsets_days = [-3, 0, 3]
escalate_after_days = 7
"""
TEXTS = ReportingTexts(Translator("de"))


@pytest.fixture
async def sessions(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> async_sessionmaker[AsyncSession]:
    await apply_initiative_text(sessions, INITIATIVE, tmp_path)
    async with sessions.begin() as session:
        orgs = {o.code: o for o in (await session.scalars(select(Organisation))).all()}
        for number, (name, code, role, contact) in enumerate(
            (
                ("A1", "a", Role.PARTNER, True),  # Org A's reporting contact
                ("A2", "a", Role.PARTNER, False),
                ("B1", "b", Role.PARTNER, False),
                ("B2", "b", Role.PARTNER, False),
                ("K", "koord", Role.COORDINATOR, False),
            )
        ):
            session.add(
                Member(
                    telegram_id=700 + number,
                    display_name=name,
                    organisation=orgs[code],
                    role=role.value,
                    language="de",
                    reporting_contact=contact,
                )
            )
    return sessions


async def run(sessions: async_sessionmaker[AsyncSession], moment: datetime) -> int:
    async with sessions.begin() as session:
        await ensure_obligations(session, moment)
        # As the tick does: the reminders, then the escalations.
        queued = await send_reminders(session, moment, TEXTS.items)
        return queued + await send_escalations(session, moment, TEXTS.escalation)


async def sent(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[tuple[str, str]]:
    """(member, text) of the reminders queued so far, in order."""
    async with sessions() as session:
        rows = await session.execute(
            select(Member.display_name, Delivery.payload)
            .join(Member, Member.id == Delivery.member_id)
            .where(Delivery.kind == kind)
            .order_by(Delivery.id)
        )
        return [(name or "", payload["text"]) for name, payload in rows]


async def days(
    sessions: async_sessionmaker[AsyncSession], first: date, last: date, hour: int = 10
) -> dict[date, list[tuple[str, str]]]:
    """Run once a day at `hour` UTC from `first` to `last`; what each day queued."""
    result: dict[date, list[tuple[str, str]]] = {}
    day = first
    while day <= last:
        before = len(await sent(sessions, "reporting_reminder"))
        await run(sessions, datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour))
        new = (await sent(sessions, "reporting_reminder"))[before:]
        if new:
            result[day] = new
        day += timedelta(days=1)
    return result


async def report(
    sessions: async_sessionmaker[AsyncSession], code: str, org: str, period: str
) -> None:
    async with sessions.begin() as session:
        session.add(
            IndicatorValue(
                indicator_id=await session.scalar(
                    select(Indicator.id).where(Indicator.code == code)
                ),
                organisation_id=await session.scalar(
                    select(Organisation.id).where(Organisation.code == org)
                ),
                period=period,
                value=1,
                reported_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )


async def test_offsets_contacts_and_a_report_in_between(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # B reports January's monthly value on 3 February: its later reminders stop.
    got = await days(sessions, date(2026, 1, 28), date(2026, 2, 2))
    await report(sessions, "monat", "b", "2026-01")
    got |= await days(sessions, date(2026, 2, 3), date(2026, 2, 12))
    monthly = {
        day: sorted(name for name, text in items if "Monatswert · Januar 2026" in text)
        for day, items in got.items()
    }
    monthly = {day: names for day, names in monthly.items() if names}
    assert monthly == {
        date(2026, 2, 2): ["A1", "B1", "B2"],  # 3 days before; A's contact only
        date(2026, 2, 5): ["A1"],  # due day; B has reported
        date(2026, 2, 8): ["A1"],  # 3 days after
    }


async def test_weekly_and_quarterly_offsets_bundled_per_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    got = await days(sessions, date(2026, 3, 30), date(2026, 4, 16))
    weekly = sorted(
        day for day, items in got.items() if any(n == "B1" and "KW 14/2026" in t for n, t in items)
    )
    # Week 14 ends Sunday 5 April; due 2 days later on Tuesday 7 April: -3, 0, +3.
    assert weekly == [date(2026, 4, 4), date(2026, 4, 7), date(2026, 4, 10)]
    quarterly = sorted(day for day, items in got.items() if any("Q1 2026" in t for _, t in items))
    # Q1 ends 31 March, due 10 days later on 10 April: -3, 0, +3.
    assert quarterly == [date(2026, 4, 7), date(2026, 4, 10), date(2026, 4, 13)]
    # Week 13's reminder 3 days after its due day fell on Good Friday (3 April, a holiday in
    # Lower Saxony): it came the next day, in one message with week 14's.
    saturday = [t for n, t in got[date(2026, 4, 4)] if n == "B1"]
    assert len(saturday) == 1 and "KW 13/2026" in saturday[0] and "KW 14/2026" in saturday[0]
    assert date(2026, 4, 3) not in got
    # One message per person and day, whatever is due.
    for day, items in got.items():
        names = [name for name, _ in items]
        assert len(names) == len(set(names)), day


async def test_reminder_hour_quiet_hours_and_pause(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.display_name == "B1").values(reminder_hour=14)
        )
        await session.execute(
            update(Member).where(Member.display_name == "B2").values(paused_until=date(2026, 2, 4))
        )
    # 2 February, 10:00 UTC = 11:00 in Berlin: A1 (hour 9) yes; B1 (hour 14) not yet.
    await run(sessions, datetime(2026, 2, 2, 10, tzinfo=UTC))
    assert sorted(
        n for n, t in await sent(sessions, "reporting_reminder") if "Monatswert" in t
    ) == ["A1"]
    await run(sessions, datetime(2026, 2, 2, 13, 5, tzinfo=UTC))  # 14:05 in Berlin
    names = [n for n, t in await sent(sessions, "reporting_reminder") if "Monatswert" in t]
    assert sorted(names) == ["A1", "B1"]
    # The paused B2 hears on 5 February (the first day after the pause), not before.
    await run(sessions, datetime(2026, 2, 4, 10, tzinfo=UTC))
    assert "B2" not in [n for n, _ in await sent(sessions, "reporting_reminder")]
    await run(sessions, datetime(2026, 2, 5, 10, tzinfo=UTC))
    assert "B2" in [n for n, _ in await sent(sessions, "reporting_reminder")]


async def test_an_extension_moves_the_reminders(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await ensure_obligations(session, datetime(2026, 2, 1, tzinfo=UTC))
        a = await session.scalar(select(Organisation.id).where(Organisation.code == "a"))
        extended = await session.scalars(
            select(Obligation).where(
                Obligation.organisation_id == a, Obligation.period == "2026-01"
            )
        )
        for obligation in extended:
            obligation.extended_until = obligation.due_at + timedelta(days=7)
    got = await days(sessions, date(2026, 2, 1), date(2026, 2, 20))
    reminded = sorted(
        day
        for day, items in got.items()
        if any(n == "A1" and "Monatswert · Januar" in t for n, t in items)
    )
    assert reminded == [date(2026, 2, 9), date(2026, 2, 12), date(2026, 2, 15)]


async def test_later_ticks_of_the_day_write_no_reminder_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The tick runs every 30 s all day: once everyone was reminded, it only reads."""
    morning = datetime(2026, 2, 2, 10, tzinfo=UTC)
    assert await run(sessions, morning) > 0
    writes: list[str] = []

    def watch(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement.split("(")[0])

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        for later in (timedelta(seconds=30), timedelta(hours=4)):
            assert await run(sessions, morning + later) == 0
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert writes == []
    # A report that comes due later that day is still reminded (B's weekly, due 3 February).
    before = len(await sent(sessions, "reporting_reminder"))
    assert await run(sessions, datetime(2026, 2, 3, 10, tzinfo=UTC)) > 0
    assert len(await sent(sessions, "reporting_reminder")) > before


async def test_escalation_once_a_day(sessions: async_sessionmaker[AsyncSession]) -> None:
    # Week 1 (to 4 January) was due on 6 January: 7 days overdue on 13 January.
    await run(sessions, datetime(2026, 1, 12, 10, tzinfo=UTC))
    assert await sent(sessions, "escalation") == []
    await run(sessions, datetime(2026, 1, 13, 10, tzinfo=UTC))
    await run(sessions, datetime(2026, 1, 13, 15, tzinfo=UTC))
    escalations = await sent(sessions, "escalation")
    assert [n for n, _ in escalations] == ["K"]  # coordinators only, once that day
    text = escalations[0][1]
    assert text == (
        "⚠️ Seit mehr als 7 Tagen überfällig:\n"
        "<b>Org B</b>: Wochenwert (KW 1/2026)\n"
        "Alles Weitere: /ausstehend"
    )
    await run(sessions, datetime(2026, 1, 14, 10, tzinfo=UTC))
    assert len(await sent(sessions, "escalation")) == 2  # the next day's summary


async def test_a_reminder_in_chat_opens_the_report(bot: RunningBot) -> None:
    from tests.test_reporting import example, partner

    await example(bot)
    bot.clock.now = datetime(2026, 2, 2, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    anna = await partner(bot, "Anna Berger", "awo")
    await run_jobs(bot)
    reminder = await anna.next_message()
    assert reminder.text.startswith("⏰ Erinnerung: Für AWO Kreisverband Neustadt ist noch offen:")
    assert "• Neue Kita-Plätze · Januar 2026 · fällig 05.02.2026" in reminder.text
    opened = await anna.press_and_read(reminder, "Neue Kita-Plätze")
    assert opened.startswith("Neue Kita-Plätze, Januar 2026.")
    await run_jobs(bot)  # the same day again: nothing new
    await anna.expect_no_message()


async def test_quiet_hours_hold_the_reminder_until_they_end(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(Member)
            .where(Member.display_name == "A1")
            .values(reminder_hour=9, quiet_start=8, quiet_end=11)
        )
    await run(sessions, datetime(2026, 2, 2, 9, 30, tzinfo=UTC))  # 10:30 in Berlin: quiet
    assert "A1" not in [n for n, _ in await sent(sessions, "reporting_reminder")]
    await run(sessions, datetime(2026, 2, 2, 10, 0, tzinfo=UTC))  # 11:00: quiet hours are over
    assert "A1" in [n for n, _ in await sent(sessions, "reporting_reminder")]


async def test_a_waiting_reminder_is_dropped_once_all_its_reports_arrived(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    moment = datetime(2026, 4, 10, 10, tzinfo=UTC)
    await run(sessions, moment)
    (a1,) = [text for name, text in await sent(sessions, "reporting_reminder") if name == "A1"]
    assert "Quartalswert · Q1 2026" in a1 and "Monatswert · März 2026" in a1

    async def drop_now() -> dict[str, str]:
        async with sessions.begin() as session:
            await drop_settled_reminders(session, moment)
        async with sessions() as session:
            rows = await session.execute(
                select(Member.display_name, Delivery.state)
                .join(Member, Member.id == Delivery.member_id)
                .where(Delivery.kind == "reporting_reminder")
            )
            return {name or "": state for name, state in rows}

    await report(sessions, "quartal", "a", "2026-Q1")
    assert (await drop_now())["A1"] == "pending"  # March is still open
    await report(sessions, "monat", "a", "2026-03")
    states = await drop_now()
    assert states.pop("A1") == "dropped"
    assert set(states.values()) == {"pending"}  # Org B's reminders still go out
