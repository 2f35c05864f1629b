"""The outbox dispatcher is supervised (issue 23): a 502 on its start-up getMe no longer ends it
for the rest of the process; it starts again with backoff and sends once Telegram recovers.
If it stops for good, the process stops too, loudly, instead of answering users while sending
nothing else."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DatabaseSettings, Settings
from bot.outbox.worker import DispatcherStopped, Supervision, dispatch_until
from bot.services.outbox import OutgoingMessage, enqueue
from bot.services.placement import Placement
from storage.models import StepStatus
from tests.clock import FakeClock
from tests.conftest import settings_for
from tests.factories import add_member
from tests.fake_telegram import FakeTelegram
from tests.test_cli import child_env, gwbot


class Sleeps:
    """The supervisor's sleep: notes how long it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def settings(fake: FakeTelegram, database: DatabaseSettings) -> Settings:
    return settings_for(fake, database)


@pytest.fixture
async def stop() -> AsyncIterator[asyncio.Event]:
    event = asyncio.Event()
    yield event
    event.set()


async def dispatcher_status(sessions: async_sessionmaker[AsyncSession]) -> StepStatus:
    async with sessions() as session:
        found = await session.scalar(select(StepStatus).where(StepStatus.step == "dispatcher"))
    assert found is not None
    return found


async def test_the_dispatcher_survives_a_502_at_start_and_sends_once_telegram_recovers(
    fake: FakeTelegram,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = fake.user(first_name="Anna", language_code="de")
    member = await add_member(sessions, user.id)
    clock = FakeClock(datetime(2026, 3, 17, 9, tzinfo=UTC))
    async with sessions.begin() as session:
        await enqueue(
            session,
            member_ids=[member.id],
            kind="broadcast",
            messages={"de": OutgoingMessage(text="Die Steuerungsrunde ist verschoben.")},
            placement=Placement.IMMEDIATE,
            wanted=clock(),
        )
    fake.faults.fail_next("getMe", status=502, count=3, description="Bad Gateway")
    sleeps = Sleeps()
    with caplog.at_level(logging.ERROR, logger="bot.outbox.worker"):
        running = asyncio.create_task(
            dispatch_until(settings, sessions, clock, stop, process="worker", sleep=sleeps)
        )
        assert "verschoben" in (await user.next_message(timeout=30)).text
        stop.set()
        await asyncio.wait_for(running, 30)
    assert sleeps.asked == [1.0, 2.0, 4.0]  # backoff, doubling
    assert len(fake.calls_to("getMe")) == 4
    assert caplog.text.count("the outbox dispatcher stopped (NetworkError)") == 3
    status = await dispatcher_status(sessions)
    assert status.process == "worker" and status.last_error == "NetworkError"
    assert status.last_success_at is not None and status.last_error_at is not None
    assert status.last_success_at >= status.last_error_at


async def test_a_dispatcher_that_never_starts_gives_up_loudly(
    fake: FakeTelegram,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.faults.fail_next("getMe", status=502, count=100, description="Bad Gateway")
    sleeps = Sleeps()
    with (
        caplog.at_level(logging.ERROR, logger="bot.outbox.worker"),
        pytest.raises(DispatcherStopped),
    ):
        await dispatch_until(
            settings,
            sessions,
            FakeClock(),
            stop,
            process="run",
            sleep=sleeps,
            supervision=Supervision(first_backoff=1, max_backoff=3, give_up_after=5),
        )
    assert sleeps.asked == [1.0, 2.0, 3.0, 3.0]
    assert "stopped for good after 5 failed starts in a row" in caplog.text
    status = await dispatcher_status(sessions)
    assert status.last_success_at is None and status.failures == 5


async def test_gwbot_run_ends_with_an_error_when_its_dispatcher_cannot_start(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    # The bot's own getMe passes; the dispatcher's, the second, is refused.
    fake.faults.fail_next("getMe", status=401, description="Unauthorized", after=1)
    env = child_env(GWBOT_BOT__TOKEN=fake.token, GWBOT_BOT__API_BASE_URL=fake.base_url)
    process = await gwbot("run", env=env, cwd=tmp_path)
    try:
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()
    assert process.returncode == 2
    assert "the outbox dispatcher stopped for good" in err.decode()
    assert "Telegram did not accept the bot token" in err.decode()
    assert fake.token not in err.decode()
