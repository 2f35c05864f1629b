"""The database persistence on its own: what PTB hands over after a restart is written when it
changes (nested drafts too), data holding nothing leaves no row, times are coarse."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.persistence import DatabasePersistence
from storage.models import ChatData, ConversationState, UserData
from tests.clock import FakeClock


async def stored_user_data(sessions: async_sessionmaker[AsyncSession]) -> dict[int, object]:
    async with sessions() as session:
        return dict((await session.execute(select(UserData.user_id, UserData.data))).all())


async def test_a_nested_draft_changed_after_loading_is_written(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(datetime(2026, 1, 20, 9, tzinfo=UTC))
    before = DatabasePersistence(sessions, clock)
    await before.update_user_data(7, {"report": {"value": 99}})
    await before.commit()

    # A restart: PTB loads the data, changes the draft in place, hands over a deep copy.
    after = DatabasePersistence(sessions, clock)
    loaded = await after.get_user_data()
    loaded[7]["report"]["value"] = 13
    await after.update_user_data(7, copy.deepcopy(loaded[7]))
    await after.commit()
    assert await stored_user_data(sessions) == {7: {"report": {"value": 13}}}


async def test_data_holding_nothing_leaves_no_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    persistence = DatabasePersistence(sessions, FakeClock())
    await persistence.update_user_data(7, {"report": {"value": 1}})
    await persistence.update_user_data(8, {"report": {}, "invite": {}})
    await persistence.update_chat_data(7, {"seen": []})
    await persistence.commit()
    assert await stored_user_data(sessions) == {7: {"report": {"value": 1}}}
    await persistence.update_user_data(7, {"report": {}})
    await persistence.commit()
    assert await stored_user_data(sessions) == {}
    async with sessions() as session:
        assert (await session.scalars(select(ChatData.chat_id))).all() == []


async def test_a_conversation_is_stored_with_its_minute_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(datetime(2026, 1, 20, 9, 17, 42, 123456, tzinfo=UTC))
    persistence = DatabasePersistence(sessions, clock)
    await persistence.update_conversation("report", (7, 7), 3)
    await persistence.commit()
    async with sessions() as session:
        at = await session.scalar(select(ConversationState.updated_at))
    assert at == datetime(2026, 1, 20, 9, 17, tzinfo=UTC)
