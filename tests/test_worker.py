"""`gwbot worker` as real processes: killed with SIGKILL in the middle of 500 deliveries and
started again, every recipient gets the message and only what was in flight may repeat; two
workers at once never send the same delivery twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DatabaseSettings
from bot.services.outbox import OutgoingMessage, enqueue
from bot.services.placement import Placement
from storage.models import (
    Delivery,
    Initiative,
    Member,
    Organisation,
    Schedule,
    ScheduleRun,
    StepStatus,
)
from tests.fake_telegram import FakeTelegram, FakeUser

REPO_ROOT = Path(__file__).resolve().parents[1]
IN_FLIGHT = 16
# The dispatcher records outcomes in batches of 8 and lets at most twice that be unrecorded.
UNRECORDED_AT_MOST = 16


async def recipients(
    fake: FakeTelegram, sessions: async_sessionmaker[AsyncSession], count: int
) -> list[FakeUser]:
    users = [fake.user(first_name=f"R{i}") for i in range(count)]
    async with sessions.begin() as session:
        organisation = Organisation(code="awo", name="AWO", kind="Verein")
        members = [
            Member(
                telegram_id=u.id,
                display_name=u.first_name,
                organisation=organisation,
                role="partner",
                language="de",
            )
            for u in users
        ]
        session.add_all(members)
        await session.flush()
        await enqueue(
            session,
            member_ids=[m.id for m in members],
            kind="broadcast",
            messages={"de": OutgoingMessage(text="Die Steuerungsrunde ist verschoben.")},
            placement=Placement.IMMEDIATE,
            wanted=datetime.now(UTC),
        )
    return users


async def worker(
    fake: FakeTelegram, database: DatabaseSettings, cwd: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GWBOT_")}
    env |= {
        "PYTHONPATH": str(REPO_ROOT),
        "GWBOT_BOT__TOKEN": fake.token,
        "GWBOT_BOT__API_BASE_URL": fake.base_url,
        "GWBOT_DATABASE__URL": database.url,
        "GWBOT_OUTBOX__RATE": "300",
        "GWBOT_OUTBOX__IN_FLIGHT": str(IN_FLIGHT),
        "GWBOT_OUTBOX__LEASE_SECONDS": "2",
        # A killed worker keeps the turn to send this long; the next one waits for it.
        "GWBOT_OUTBOX__TURN_SECONDS": "2",
        "GWBOT_LOGGING__LEVEL": "WARNING",
    }
    if database.schema_name:
        env["GWBOT_DATABASE__SCHEMA"] = database.schema_name
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "worker", env=env, cwd=cwd
    )


def received(fake: FakeTelegram) -> Counter[int]:
    return Counter(event.chat_id for event in fake.events if event.kind == "message")


async def everyone_has_it(users: list[FakeUser]) -> None:
    for user in users:
        if not user.messages:
            await user.next_message(timeout=60)


async def states(sessions: async_sessionmaker[AsyncSession]) -> Counter[str]:
    async with sessions() as session:
        return Counter((await session.scalars(select(Delivery.state))).all())


async def test_sigkill_in_the_middle_of_500_deliveries(
    fake: FakeTelegram,
    database: DatabaseSettings,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    users = await recipients(fake, sessions, 500)
    first = await worker(fake, database, tmp_path)
    await fake.wait_for_call("sendMessage", count=120, timeout=60)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    sent_before_restart = sum(received(fake).values())
    assert sent_before_restart < 500  # the crash really came in the middle
    second = await worker(fake, database, tmp_path)
    try:
        await everyone_has_it(users)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 60) == 0
    counts = received(fake)
    assert set(counts) == {u.chat_id for u in users}
    repeated = sum(n - 1 for n in counts.values())
    assert repeated <= UNRECORDED_AT_MOST  # only what was in flight at the crash
    assert await states(sessions) == Counter({"sent": 500})


async def test_two_workers_never_send_the_same_delivery_twice(
    fake: FakeTelegram,
    database: DatabaseSettings,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    users = await recipients(fake, sessions, 300)
    workers = [await worker(fake, database, tmp_path) for _ in range(2)]
    try:
        await everyone_has_it(users)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(process.wait(), 60) for process in workers]
    assert codes == [0, 0]
    counts = received(fake)
    assert len(counts) == 300
    assert set(counts.values()) == {1}
    assert await states(sessions) == Counter({"sent": 300})


async def test_two_workers_fire_a_due_reminder_once(
    fake: FakeTelegram,
    database: DatabaseSettings,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    """`gwbot worker` runs the schedule engine too; two of them fire a reminder once."""
    users = [fake.user(first_name=f"T{i}") for i in range(20)]
    async with sessions.begin() as session:
        session.add(
            Initiative(
                id=1,
                name="T",
                timezone="Europe/Berlin",
                default_language="de",
                start=date(2026, 1, 1),
            )
        )
        organisation = Organisation(code="awo", name="AWO", kind="Verein")
        session.add_all(
            Member(
                telegram_id=u.id,
                display_name=u.first_name,
                organisation=organisation,
                role="partner",
                language="de",
            )
            for u in users
        )
        session.add(
            Schedule(
                code="runde",
                kind="meeting",
                rrule="FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0",
                starts=date(2026, 1, 6),
                text_de="Steuerungsrunde um 10 Uhr",
                text_en="",
                next_fire_at=datetime.now(UTC) - timedelta(minutes=5),
                origin="file",
            )
        )
    async with sessions.begin() as session:
        # The real clock runs here: no quiet hours that would hold the reminder back.
        await session.execute(update(Member).values(quiet_start=None, quiet_end=None))
    workers = [await worker(fake, database, tmp_path) for _ in range(2)]
    try:
        # Both are up (their dispatchers asked who they are) before anyone is stopped.
        await fake.wait_for_call("getMe", count=2, timeout=60)
        await everyone_has_it(users)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(process.wait(), 60) for process in workers]
    assert codes == [0, 0]
    assert set(received(fake).values()) == {1}
    assert users[0].messages[0].text == "📅 Steuerungsrunde um 10 Uhr"
    async with sessions() as session:
        fired = (await session.scalars(select(ScheduleRun.recipients))).all()
        upcoming = await session.scalar(select(Schedule.next_fire_at))
    assert fired == [20]
    assert upcoming is not None and upcoming > datetime.now(UTC)
    # The worker records how its steps and its dispatcher went (`gwbot status`); the steps
    # that write what `gwbot run` keeps in memory are not among them.
    async with sessions() as session:
        recorded = (await session.execute(select(StepStatus.process, StepStatus.step))).all()
    steps = {step for process, step in recorded if process == "worker"}
    assert {"dispatcher", "schedules", "reporting_reminders", "pulse_closing"} <= steps
    assert "concern_batches" not in steps
