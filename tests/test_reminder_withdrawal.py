"""A reporting reminder held back in the outbox (here: Telegram answered 500, so it waits for
its retry) is dropped unsent once the reports it asks for arrived; one that still asks for an
open report goes out (DESIGN section 5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import runtime_of
from bot.services.obligations import ensure_obligations
from storage.models import Delivery
from tests.conftest import RunningBot, apply_initiative_text
from tests.fake_telegram import FakeUser
from tests.steps import member, run_jobs
from tests.test_reporting import button_starting

# One report owed, for January, due on 5 February; reminded on its due day.
INITIATIVE = """
[initiative]
name = "Test"
timezone = "Europe/Berlin"
default_language = "de"
start = 2026-01-01

[[organisations]]
code = "awo"
name = "AWO Kreisverband Neustadt"

[[goals]]
code = "ziel"
title = { de = "Ziel" }

[[indicators]]
code = "kita"
name = { de = "Neue Kita-Plätze" }
type = "integer"
frequency = "monthly"
aggregation = "sum"
goal = "ziel"
level = "output"
due_days = 5
reported_by = ["awo"]

[[reminders]]
code = "melden"
kind = "reporting"
offsets_days = [0]
"""
DUE_DAY_0930 = datetime(2026, 2, 5, 8, 30, tzinfo=UTC)  # 09:30 in Berlin


async def until_reminder(bot: RunningBot, wanted: Callable[[Delivery], bool]) -> Delivery:
    """The reminder's row once the dispatcher, which runs on its own, is idle: as wanted."""
    await bot.settle()
    async with bot.sessions() as session:
        row = await session.scalar(select(Delivery).where(Delivery.kind == "reporting_reminder"))
    assert row is not None and wanted(row), row
    return row


async def held_back_reminder(bot: RunningBot, tmp_path: Path) -> FakeUser:
    """Anna owes a report; her reminder is queued, but Telegram fails its first attempt."""
    bot.clock.now = DUE_DAY_0930
    await apply_initiative_text(bot.sessions, INITIATIVE, tmp_path)
    async with bot.sessions.begin() as session:
        await ensure_obligations(session, bot.clock())
    anna = await member(bot, "Anna Berger")
    bot.fake.faults.fail_next("sendMessage", 500)
    await run_jobs(bot)
    await until_reminder(bot, lambda d: d.state == "pending" and d.attempts == 1)
    return anna


async def retry_time(bot: RunningBot) -> None:
    bot.clock.advance(minutes=5)
    runtime_of(bot.application).outbox_wake.set()


async def test_a_held_back_reminder_is_dropped_once_the_report_arrived(
    bot: RunningBot, tmp_path: Path
) -> None:
    anna = await held_back_reminder(bot, tmp_path)
    # January is older than February now: by its indicator's list of open periods.
    await anna.send("/melden")
    listing = await anna.next_message()
    await anna.press_and_read(listing, "⋯ Neue Kita-Plätze: 1 ältere")
    await anna.press_and_read(listing, button_starting(listing, "Jan 2026 · Neue Kita-Plätze"))
    await anna.send("3")
    note = await anna.next_message()
    await anna.press_and_read(note, "Ohne Anmerkung")
    assert (await anna.press_and_read(note, "✅ Speichern")).startswith("✅")
    await retry_time(bot)
    row = await until_reminder(bot, lambda d: d.state not in ("pending", "sending"))
    assert (row.state, row.last_error) == ("dropped", "the reports arrived meanwhile")
    await anna.expect_no_message()


async def test_a_held_back_reminder_with_the_report_still_open_goes_out(
    bot: RunningBot, tmp_path: Path
) -> None:
    anna = await held_back_reminder(bot, tmp_path)
    await retry_time(bot)
    reminder = await anna.next_message()
    assert reminder.text.startswith("⏰ Erinnerung: Für AWO Kreisverband Neustadt ist noch offen:")
    assert "Neue Kita-Plätze · Januar 2026 · fällig 05.02.2026" in reminder.text
    row = await until_reminder(bot, lambda d: d.state not in ("pending", "sending"))
    assert row.state == "sent"
