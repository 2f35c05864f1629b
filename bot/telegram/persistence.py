"""PTB persistence in our database: conversation states, user_data and chat_data.

PTB hands over changes in `update_*` calls and flushes only every `update_interval` and on a clean
stop. Here changes are buffered and written by `commit(update_id)`, which the last handler group
calls after every update: the changes and the mark that the update was processed land in one
transaction, so a SIGKILL loses nothing that was answered and a redelivered update is recognised.
The last-activity time of each conversation is kept with its state, to the minute (all the expiry
needs), so conversations can expire across restarts (bot.telegram.conversations). user_data and
chat_data are stored without any time, and data that holds nothing (`{}`, or only empty drafts like
`{"report": {}}`) leaves no row.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput

from storage.queries import persistence as rows

Clock = Callable[[], datetime]
Data = dict[Any, Any]
# PTB's own names for these live in a private module (telegram.ext._utils.types).
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
# Telegram redelivers only the latest updates after a crash; older ids need not be kept.
KEEP_PROCESSED = 10_000
PRUNE_EVERY = 500
# Conversations nobody came back to for this long are dropped when loading.
FORGET_AFTER = timedelta(days=30)


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False), update_interval=60
        )
        self._sessions = sessions
        self._clock = clock
        self._lock = asyncio.Lock()
        self._conversations: dict[tuple[str, ConversationKey], object | None] = {}
        self._user_data: dict[int, Data] = {}
        self._chat_data: dict[int, Data] = {}
        # What the database holds, to skip writes that would change nothing (most updates).
        self._saved_user_data: dict[int, Data] = {}
        self._saved_chat_data: dict[int, Data] = {}
        self._activity: dict[tuple[str, ConversationKey], datetime] = {}
        self._commits = 0

    def last_activity(self, name: str, key: ConversationKey) -> datetime | None:
        return self._activity.get((name, key))

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._sessions.begin() as session:
            stored = await rows.conversations(session, name)
            forgotten = self._clock() - FORGET_AFTER
            states: ConversationDict = {}
            for row in stored:
                if row.updated_at < forgotten:
                    await rows.save_conversation(session, name, row.key, None, row.updated_at)
                    continue
                states[row.key] = row.state
                self._activity[(name, row.key)] = row.updated_at
        return states

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        self._conversations[(name, key)] = new_state
        if new_state is None:
            self._activity.pop((name, key), None)
        else:
            self._activity[(name, key)] = self._clock()

    # PTB changes the data it gets in place, nested drafts included: it must share nothing
    # with what is remembered as saved, or a change compares equal and is never written.
    async def get_user_data(self) -> dict[int, Data]:
        async with self._sessions() as session:
            self._saved_user_data = await rows.all_user_data(session)
        return copy.deepcopy(self._saved_user_data)

    async def get_chat_data(self) -> dict[int, Data]:
        async with self._sessions() as session:
            self._saved_chat_data = await rows.all_chat_data(session)
        return copy.deepcopy(self._saved_chat_data)

    async def update_user_data(self, user_id: int, data: Data) -> None:
        self._user_data[user_id] = data

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        self._chat_data[chat_id] = data

    async def drop_user_data(self, user_id: int) -> None:
        self._user_data[user_id] = {}

    async def drop_chat_data(self, chat_id: int) -> None:
        self._chat_data[chat_id] = {}

    async def commit(self, update_id: int | None = None) -> None:
        """Write everything buffered, and mark `update_id` processed, in one transaction."""
        # One commit at a time: a later state of a conversation must never be overwritten by
        # an earlier one that was still waiting for the database.
        async with self._lock:
            conversations, self._conversations = self._conversations, {}
            user_data = _changed(self._user_data, self._saved_user_data)
            chat_data = _changed(self._chat_data, self._saved_chat_data)
            self._user_data, self._chat_data = {}, {}
            if not (conversations or user_data or chat_data or update_id is not None):
                return
            minute = self._clock().replace(second=0, microsecond=0)
            async with self._sessions.begin() as session:
                for (name, key), state in conversations.items():
                    await rows.save_conversation(session, name, key, state, minute)
                for user_id, data in user_data.items():
                    await rows.save_user_data(session, user_id, data)
                for chat_id, data in chat_data.items():
                    await rows.save_chat_data(session, chat_id, data)
                if update_id is not None:
                    await rows.mark_processed(session, update_id)
                    self._commits += 1
                    if self._commits % PRUNE_EVERY == 0:
                        await rows.prune_processed(session, KEEP_PROCESSED)
            _remember(self._saved_user_data, user_data)
            _remember(self._saved_chat_data, chat_data)

    async def mark_processed(self, update_id: int) -> None:
        """Mark `update_id` handled in a transaction with nothing else in it: for the
        anonymous flows' updates, which must share no transaction with what others changed."""
        async with self._sessions.begin() as session:
            await rows.mark_processed(session, update_id)
        self._commits += 1

    async def flush(self) -> None:
        await self.commit()

    # bot_data and callback_data are not persisted (store_data above); PTB still asks.
    async def get_bot_data(self) -> Data:
        return {}

    async def update_bot_data(self, data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    # One process receives updates, so what is in memory is always current.
    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None


def _changed(pending: dict[int, Data], saved: dict[int, Data]) -> dict[int, Data]:
    """What differs from the database, with data that holds nothing as `{}` (no row)."""
    kept = {key: {} if _blank(data) else data for key, data in pending.items()}
    return {key: data for key, data in kept.items() if data != saved.get(key, {})}


def _blank(value: object) -> bool:
    """Empty containers all the way down: `{}`, `{"report": {}}`, `{"a": []}`."""
    if isinstance(value, dict):
        return all(_blank(item) for item in value.values())
    if isinstance(value, list | tuple | set):
        return not value
    return False


def _remember(saved: dict[int, Data], written: dict[int, Data]) -> None:
    for key, data in written.items():
        if data:
            saved[key] = data
        else:
            saved.pop(key, None)
