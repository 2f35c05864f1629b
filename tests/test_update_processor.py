"""Each user's updates in order, different users in parallel, the limit applied after the lock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.telegram.update_processor import PerUserUpdateProcessor


def update_from(update_id: int, user_id: int) -> Update:
    user = User(user_id, "U", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=user))


async def test_one_users_updates_run_in_order_while_others_run_beside_them() -> None:
    processor = PerUserUpdateProcessor(max_concurrent_updates=2)
    log: list[tuple[int, int]] = []
    release_first, second_user_done = asyncio.Event(), asyncio.Event()

    async def handle(user_id: int, update_id: int) -> None:
        if update_id == 1:
            await release_first.wait()  # user 1's first update is slow
        log.append((user_id, update_id))
        if update_id == 5:
            second_user_done.set()

    tasks = [
        asyncio.create_task(processor.process_update(update_from(i, user), handle(user, i)))
        for i, user in [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2)]
    ]
    # User 2 is not held up by user 1's slow update, although user 1 has three queued:
    # the limit of 2 counts running updates, not waiting ones.
    await asyncio.wait_for(second_user_done.wait(), timeout=5)
    assert log == [(2, 4), (2, 5)]
    release_first.set()
    await asyncio.gather(*tasks)
    assert [entry for entry in log if entry[0] == 1] == [(1, 1), (1, 2), (1, 3)]
    assert processor._locks == {}  # no lock kept for users with nothing queued
