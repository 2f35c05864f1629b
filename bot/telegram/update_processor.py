"""Each user's updates in order, different users in parallel (DESIGN section 1).

ConversationHandler needs one user's updates one after the other. PTB's BaseUpdateProcessor
takes its own semaphore before `do_process_update`, so that one is set high and the real limit
is applied here, after the per-user lock: otherwise one user's queued updates would hold all
the slots while they wait for their own lock, and everyone else would wait too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.quiet import QUIET

QUEUE_LIMIT = 100_000


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self, max_concurrent_updates: int, quiet: Callable[[object], bool] = lambda _: False
    ) -> None:
        super().__init__(max_concurrent_updates=QUEUE_LIMIT)
        # Which updates leave no trace (handlers.concern.flow, handlers.pulse.flow); decided under
        # the user's lock, when their earlier updates have moved their draft on.
        self._quiet = quiet
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _sender(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # asyncio.Lock wakes waiters first come, first served: the user's order holds.
            async with lock, self._running:
                token = QUIET.set(self._quiet(update))
                try:
                    # Nothing is logged per update: a line naming the person would tell who
                    # was active when, and update ids in a row would show where quiet updates
                    # (whose records are dropped) fall (DESIGN section 6).
                    await coroutine
                finally:
                    QUIET.reset(token)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _sender(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None
