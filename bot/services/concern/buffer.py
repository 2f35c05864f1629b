"""Anonymous concerns waiting for the end of their batch, and the writing of each batch
(bot.services.concern.batch explains why they wait)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.concern.batch import Waiting, write_batch


class ConcernBuffer:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.waiting = Waiting()
        # One write at a time, so a slow one and the next tick never write the same rows.
        self._lock = asyncio.Lock()

    async def write_due(self, now: datetime) -> None:
        """Write the batches that ended by `now`: the timed job, before the batch notices."""
        await self._write(now)

    async def write_all(self) -> None:
        """On a clean stop: write everything rather than lose it, the batch still running
        included. No update is handled any more then, so the transaction sits after the last
        one of them and holds every anonymous concern since the batch began, shuffled: its
        place in the order of transactions says no more than "written before the stop". The
        rows stay out of v_concerns and /concerns until the next start announces their batch
        at its end."""
        await self._write(None)

    async def _write(self, now: datetime | None) -> None:
        async with self._lock:
            due = self.waiting.due(now)
            if not due:
                return
            async with self._sessions.begin() as session:
                await write_batch(session, due)
            # Only once written: if the database fails, the next tick tries again.
            self.waiting.forget(due)
