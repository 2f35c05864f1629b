"""The schedule engine on SQLite and PostgreSQL with a controlled clock: meeting reminders at
their local time, caught up once after downtime, pause and resume, two engines at once firing
once, RSVPs end to end, and /erinnerungen."""

from __future__ import annotations

import asyncio
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config.sections import PrivacySettings, SignalSettings
from bot.i18n import Translator
from bot.scheduling.hooks import schedule_hooks
from bot.services import schedules
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from handlers.reminders.texts import reminder_hooks
from storage.models import Delivery, Member, Organisation, Role, Schedule, ScheduleRun
from tests.conftest import RunningBot, apply_initiative_text
from tests.steps import run_jobs
from tests.test_reporting import partner

INITIATIVE = """
[initiative]
name = "Test"
timezone = "Europe/Berlin"
default_language = "de"
start = 2026-01-01

[[organisations]]
code = "awo"
name = "AWO"

[[reminders]]
code = "steuerungsrunde"
kind = "meeting"
rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9;BYMINUTE=0"
starts = 2026-01-13
audience = { roles = ["partner", "coordinator"] }
text = { de = "Steuerungsrunde heute 10 Uhr, Rathaus Raum 2", en = "Steering meeting today 10:00" }
"""
# A Monday evening in March (winter time); the meeting is on Tuesday 10 March at 09:00 local.
MONDAY = datetime(2026, 3, 9, 18, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> async_sessionmaker[AsyncSession]:
    await apply_initiative_text(sessions, INITIATIVE, tmp_path)
    async with sessions.begin() as session:
        awo = await session.scalar(select(Organisation).where(Organisation.code == "awo"))
        for number, role in enumerate((Role.PARTNER, Role.PARTNER, Role.OBSERVER)):
            session.add(
                Member(
                    telegram_id=500 + number,
                    display_name=f"M{number}",
                    organisation=awo,
                    role=role.value,
                    language="de",
                )
            )
    return sessions


async def without_reporting_reminders(bot: RunningBot) -> None:
    """These tests are about meetings: the example's reporting reminders are paused."""
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Schedule).where(Schedule.kind == "reporting").values(paused=True)
        )


async def tick(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessions.begin() as session:
        return await schedules.run_due(session, now, reminder_hooks(Translator("de")))


async def runs(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[datetime, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(ScheduleRun.occurrence, ScheduleRun.recipients).order_by(ScheduleRun.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_every_recurring_kind_has_its_hook_in_the_one_list() -> None:
    """`gwbot run`, `gwbot worker` and the tests take their hooks from schedule_hooks: a kind
    without one would be skipped with a warning, every time it falls due."""
    hooks = schedule_hooks(Translator("de"), PrivacySettings(), SignalSettings())
    assert set(hooks) == set(schedules.RECURRING)


async def test_meeting_reminders_keep_local_time_and_catch_up_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await tick(sessions, MONDAY) == 0  # the engine learns the next time: Tuesday 09:00
    async with sessions() as session:
        first = await session.scalar(select(Schedule.next_fire_at))
    assert first == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    assert await tick(sessions, datetime(2026, 3, 10, 8, 0, tzinfo=UTC)) == 1
    assert await tick(sessions, datetime(2026, 3, 10, 8, 1, tzinfo=UTC)) == 0  # once
    # The clocks go forward on 29 March: 24 March is 08:00 UTC, 7 April 07:00 UTC, both 09:00
    # in Berlin.
    async with sessions() as session:
        assert await session.scalar(select(Schedule.next_fire_at)) == datetime(
            2026, 3, 24, 8, 0, tzinfo=UTC
        )
    assert await tick(sessions, datetime(2026, 3, 24, 8, 0, tzinfo=UTC)) == 1
    async with sessions() as session:
        assert await session.scalar(select(Schedule.next_fire_at)) == datetime(
            2026, 4, 7, 7, 0, tzinfo=UTC
        )
    # Down for six weeks: the three missed meetings are caught up once, not three times.
    assert await tick(sessions, datetime(2026, 5, 6, 12, 0, tzinfo=UTC)) == 1
    assert await tick(sessions, datetime(2026, 5, 6, 12, 5, tzinfo=UTC)) == 0
    async with sessions() as session:
        assert await session.scalar(select(Schedule.next_fire_at)) == datetime(
            2026, 5, 19, 7, 0, tzinfo=UTC
        )
        deliveries = (await session.scalars(select(Delivery))).all()
    assert [r[1] for r in await runs(sessions)] == [2, 2, 2]  # partners and coordinators
    assert len(deliveries) == 6
    assert deliveries[0].payload["text"] == "📅 Steuerungsrunde heute 10 Uhr, Rathaus Raum 2"
    assert [b["text"] for b in deliveries[0].payload["buttons"][0]] == [
        "✅ Ich komme",
        "Ich komme nicht",
    ]


async def test_pause_and_resume(sessions: async_sessionmaker[AsyncSession]) -> None:
    await tick(sessions, MONDAY)
    async with sessions.begin() as session:
        await session.execute(update(Schedule).values(paused=True))
    assert await tick(sessions, datetime(2026, 3, 10, 8, 0, tzinfo=UTC)) == 0
    async with sessions.begin() as session:
        await session.execute(update(Schedule).values(paused=False, next_fire_at=None))
    # Resumed a week later: the paused meeting is not sent late; the next one comes.
    assert await tick(sessions, datetime(2026, 3, 17, 12, 0, tzinfo=UTC)) == 0
    assert await tick(sessions, datetime(2026, 3, 24, 8, 0, tzinfo=UTC)) == 1
    assert [r[0] for r in await runs(sessions)] == [datetime(2026, 3, 24, 8, 0, tzinfo=UTC)]


async def test_two_engines_at_once_fire_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    await tick(sessions, MONDAY)
    due = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    results = await asyncio.gather(*(tick(sessions, due) for _ in range(4)))
    assert sum(results) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count(Delivery.id))) == 2


async def test_rsvp_and_the_reminder_list_in_chat(bot: RunningBot) -> None:
    from tests.test_reporting import example

    await example(bot)
    await without_reporting_reminders(bot)
    bot.clock.now = datetime(2026, 1, 26, 18, 0, tzinfo=UTC)  # the evening before a meeting
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    olga = await partner(bot, "Olga Obs", "awo", role=Role.OBSERVER)
    await run_jobs(bot)  # learns the next times
    bot.clock.now = datetime(2026, 1, 27, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
    await run_jobs(bot)
    reminder = await anna.next_message()
    assert reminder.text.startswith("📅 Heute um 10 Uhr ist Steuerungsrunde im Rathaus")
    answer = await anna.callback_answer(await anna.press(reminder, "✅ Ich komme"))
    assert answer["text"] == "Danke, eingetragen: Sie kommen."
    refused = await olga.callback_answer(
        await olga.press_data(reminder, reminder.button_data("✅ Ich komme") or "")
    )
    assert refused["text"] == "Diese Erinnerung ging nicht an Sie."
    await clara.next_message()  # the coordinator is in the audience too
    await clara.send("/erinnerungen")
    listing = await clara.next_message()
    assert "steuerungsrunde · Treffen · alle 2 Wochen dienstags, 9:00" in listing.text
    await clara.press(listing, "Zusagen: steuerungsrunde")
    answers = await clara.next_message()
    assert answers.text == "27.01.2026: 1 kommen, 0 nicht. Es kommen: Anna Berger"
    paused = await clara.press_and_read(listing, "⏸ steuerungsrunde pausieren")
    assert "steuerungsrunde · Treffen · alle 2 Wochen dienstags, 9:00 · ⏸ pausiert" in paused
    await anna.send("/erinnerungen")
    assert "nicht für Ihre Rolle" in (await anna.next_message()).text


async def test_a_reminder_made_in_chat_fires_and_survives_apply(bot: RunningBot) -> None:
    from tests.test_reporting import example

    await example(bot)
    await without_reporting_reminders(bot)
    bot.clock.now = datetime(2026, 1, 26, 18, 0, tzinfo=UTC)  # a Monday evening
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    await clara.send("/erinnerungen")
    listing = await clara.next_message()
    for button in (
        "➕ Neue Erinnerung",
        "Erinnerung",
        "monatlich (z. B. am 1. Montag)",
        "letzter",
        "Fr.",
        "14:00",
    ):
        await clara.press_and_read(listing, button)
    assert await clara.press_and_read(listing, "Alle Mitglieder") == (
        "Schreiben Sie jetzt den Text der Erinnerung in einer Nachricht (z. B. Ort und Uhrzeit)."
    )
    await clara.send("Bitte die Monatsstatistik ins Portal laden.")
    summary = await clara.next_message()
    assert summary.text == (
        "Bitte prüfen: Erinnerung · monatlich am letzten Freitag, 14:00 · Alle Mitglieder\n"
        "„Bitte die Monatsstatistik ins Portal laden.“"
    )
    assert await clara.press_and_read(summary, "✅ Speichern") == (
        "✅ Gespeichert als chat-1. Sie finden sie unter /erinnerungen."
    )
    async with bot.sessions() as session:
        made = await session.scalar(select(Schedule).where(Schedule.code == "chat-1"))
    assert made is not None
    assert (made.rrule, made.origin) == ("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=14;BYMINUTE=0", "chat")
    # Applying the initiative file again leaves reminders made in chat alone.
    from bot.services.initiative import apply_initiative
    from bot.services.initiative_file import load_initiative_file
    from tests.test_agenda import EXAMPLE

    async with bot.sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))
    await run_jobs(bot)
    bot.clock.now = datetime(2026, 1, 30, 13, 0, tzinfo=UTC)  # last Friday of January, 14:00
    await run_jobs(bot)
    # Tuesday's steering meeting was missed while the clock jumped: caught up once, too.
    texts = sorted([(await anna.next_message()).text for _ in range(2)])
    assert texts[0] == "⏰ Bitte die Monatsstatistik ins Portal laden."
    assert texts[1].startswith("📅 Heute um 10 Uhr ist Steuerungsrunde")
    await anna.expect_no_message()
    async with bot.sessions() as session:
        still = await session.scalar(select(Schedule.active).where(Schedule.code == "chat-1"))
    assert still is True


async def test_meeting_reminders_wait_for_the_end_of_quiet_hours(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.display_name == "M0").values(quiet_start=8, quiet_end=10)
        )
    await tick(sessions, MONDAY)
    assert await tick(sessions, datetime(2026, 3, 10, 8, 0, tzinfo=UTC)) == 1
    async with sessions() as session:
        rows = await session.execute(
            select(Member.display_name, Delivery.not_before)
            .join(Member, Member.id == Delivery.member_id)
            .order_by(Member.display_name)
        )
        times = dict(rows.all())
    assert times == {
        "M0": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),  # 10:00 in Berlin, when quiet ends
        "M1": datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
    }


async def test_meeting_reminders_skip_a_member_who_paused_that_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # The settings promise: "In dieser Zeit bekommen Sie keine Erinnerungen."
    async with sessions.begin() as session:
        await session.execute(
            update(Member)
            .where(Member.display_name == "M0")
            .values(paused_until=date(2026, 3, 10))  # up to and including Tuesday
        )
    await tick(sessions, MONDAY)
    assert await tick(sessions, datetime(2026, 3, 10, 8, 0, tzinfo=UTC)) == 1
    assert await tick(sessions, datetime(2026, 3, 24, 8, 0, tzinfo=UTC)) == 1  # pause over
    async with sessions() as session:
        rows = await session.execute(
            select(Member.display_name, Delivery.not_before)
            .join(Member, Member.id == Delivery.member_id)
            .order_by(Delivery.not_before, Member.display_name)
        )
        got = [(name, at.date()) for name, at in rows]
    assert got == [("M1", date(2026, 3, 10)), ("M0", date(2026, 3, 24)), ("M1", date(2026, 3, 24))]


async def test_a_new_rhythm_in_the_file_takes_effect(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await tick(sessions, MONDAY)
    path = tmp_path / "changed.toml"
    path.write_text(
        textwrap.dedent(INITIATIVE).replace("INTERVAL=2;BYDAY=TU", "BYDAY=WE"), encoding="utf-8"
    )
    async with sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(path))
    await tick(sessions, MONDAY)
    async with sessions() as session:
        # Wednesday 11 March, 09:00 in Berlin, instead of Tuesday.
        assert await session.scalar(select(Schedule.next_fire_at)) == datetime(
            2026, 3, 11, 8, 0, tzinfo=UTC
        )


RULES_IN_WORDS = """
[[reminders]]
code = "quartal"
kind = "custom"
rrule = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYHOUR=10"
starts = 2026-01-05
audience = { roles = ["partner", "coordinator"] }
text = { de = "Quartalsbericht", en = "Quarterly report" }

[[reminders]]
code = "auftakt"
kind = "meeting"
rrule = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=18;COUNT=4"
starts = 2026-01-05
audience = { roles = ["partner", "coordinator"] }
text = { de = "Auftaktreihe", en = "Kick-off series" }
"""


async def test_the_reminder_list_says_every_rule_in_words(bot: RunningBot, tmp_path: Path) -> None:
    """The file may hold any RRULE; /erinnerungen says it as people do, or names it as a
    rhythm of its own beside its next date, in the reader's language, never as a rule."""
    bot.clock.now = MONDAY
    await apply_initiative_text(bot.sessions, INITIATIVE + RULES_IN_WORDS, tmp_path)
    await run_jobs(bot)  # learns the next times
    clara = await partner(bot, "Clara Koch", "awo", role=Role.COORDINATOR)
    carl = await partner(bot, "Carl Cole", "awo", language="en", role=Role.COORDINATOR)
    await clara.send("/erinnerungen")
    german = (await clara.next_message()).text
    assert "quartal · Erinnerung · alle 3 Monate am ersten Montag, 10:00" in german
    assert "auftakt · Treffen · in eigenem Rhythmus aus der Initiativdatei" in german
    assert "steuerungsrunde · Treffen · alle 2 Wochen dienstags, 9:00" in german
    await carl.send("/erinnerungen")
    english = (await carl.next_message()).text
    assert "every 3 months on the first Monday, 10:00" in english
    assert "in a rhythm of its own from the initiative file" in english
    for text in (german, english):
        assert "FREQ" not in text and "BYDAY" not in text
