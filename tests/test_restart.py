"""The bot process stops (cleanly or by SIGKILL) in the middle of /settings and comes back:
the user goes on where they were, a redelivered update changes nothing, silence expires."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import DatabaseSettings
from handlers.settings.settings import State
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from storage.models import ConversationState, Member
from tests.factories import add_member
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser

REPO_ROOT = Path(__file__).resolve().parents[1]


class BotProcess:
    """`gwbot run` as a separate process on the test's database, polling the fake server."""

    def __init__(self, fake: FakeTelegram, database: DatabaseSettings, cwd: Path) -> None:
        self.fake, self.cwd = fake, cwd
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GWBOT_")}
        env |= {
            "PYTHONPATH": str(REPO_ROOT),
            "GWBOT_BOT__TOKEN": fake.token,
            "GWBOT_BOT__API_BASE_URL": fake.base_url,
            "GWBOT_BOT__POLLING_TIMEOUT": "1",
            "GWBOT_DATABASE__URL": database.url,
        }
        if database.schema_name:
            env["GWBOT_DATABASE__SCHEMA"] = database.schema_name
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        polls = len(self.fake.calls_to("getUpdates"))
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=self.env, cwd=self.cwd
        )
        await self.fake.wait_for_call("getUpdates", count=polls + 1, timeout=60)

    async def stop(self, signum: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        code = await asyncio.wait_for(self.process.wait(), timeout=60)
        self.process = None
        return code


@pytest.fixture
async def engine(database: DatabaseSettings) -> AsyncIterator[AsyncEngine]:
    await upgrade_database(database.url, schema=database.schema_name)
    engine = make_engine(database.url, schema=database.schema_name)
    yield engine
    await engine.dispose()


@pytest.fixture
async def bot_process(
    fake: FakeTelegram, database: DatabaseSettings, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = BotProcess(fake, database, tmp_path)
    await process.start()
    yield process
    if process.process is not None:
        await process.stop(signal.SIGKILL)


async def conversation_state(engine: AsyncEngine) -> object:
    async with make_sessionmaker(engine)() as session:
        return await session.scalar(select(ConversationState.state))


async def reminder_hour(engine: AsyncEngine, telegram_id: int) -> int | None:
    async with make_sessionmaker(engine)() as session:
        return await session.scalar(
            select(Member.reminder_hour).where(Member.telegram_id == telegram_id)
        )


async def halfway_through_settings(
    fake: FakeTelegram, engine: AsyncEngine
) -> tuple[FakeUser, BotMessage]:
    """The user opened /einstellungen and chose to change the reminder hour."""
    user = fake.user(language_code="de")
    await add_member(make_sessionmaker(engine), user.id)
    await user.send("/einstellungen")
    menu = await user.next_message(timeout=30)
    await user.press(menu, "Erinnerungszeit")
    await user.next_event(kinds=("edit",), timeout=30)
    # A barrier: one user's updates are handled one after the other, each up to the commit of
    # its conversation state, so once /hilfe is answered the state before it is stored.
    await user.send("/hilfe")
    await user.next_message(timeout=30)
    assert await conversation_state(engine) == State.HOUR
    return user, menu


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["stop", "sigkill"])
async def test_the_conversation_goes_on_after_a_restart(
    fake: FakeTelegram, engine: AsyncEngine, bot_process: BotProcess, signum: int
) -> None:
    user, menu = await halfway_through_settings(fake, engine)
    code = await bot_process.stop(signum)
    assert code == (0 if signum == signal.SIGTERM else -signal.SIGKILL)
    await bot_process.start()

    await user.press(menu, "8 Uhr")
    saved = await user.next_event(kinds=("edit",), timeout=30)
    assert saved.text is not None
    assert "täglich um 8 Uhr" in saved.text
    assert await reminder_hour(engine, user.id) == 8

    # Telegram sends the last update again (its confirmation got lost): nothing happens.
    edits_before = len(menu.edits)
    fake.faults.redeliver_last_batch()
    await user.send("/hilfe")
    assert "Was Sie hier tun können" in (await user.next_message(timeout=30)).text
    assert len(menu.edits) == edits_before
    assert await bot_process.stop() == 0


async def test_silence_over_a_restart_expires_the_conversation(
    fake: FakeTelegram, engine: AsyncEngine, bot_process: BotProcess
) -> None:
    user, menu = await halfway_through_settings(fake, engine)
    assert await bot_process.stop() == 0
    async with make_sessionmaker(engine).begin() as session:
        # The user put the phone away for two hours while the bot was redeployed.
        await session.execute(
            update(ConversationState).values(updated_at=datetime.now(UTC) - timedelta(hours=2))
        )
    await bot_process.start()

    await user.press(menu, "8 Uhr")
    expired = await user.next_message(timeout=30)
    assert "abgelaufen" in expired.text
    assert await reminder_hour(engine, user.id) == 9
    await user.send("/einstellungen")
    assert "Ihre Einstellungen" in (await user.next_message(timeout=30)).text
    assert await bot_process.stop() == 0
