"""A clock tests move by hand, so nothing waits for time to pass."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

T = TypeVar("T")


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class VirtualTime:
    """A FakeClock that several tasks sleep on, e.g. two dispatchers sharing one fake server.

    Each task is a party (`run`). Time moves on only while every party sleeps: first their
    sends in flight get their answers (`settle`), then the clock jumps to the earliest wake-up
    and only that sleeper goes on. So every message reaches the fake server at the virtual
    moment its sender meant, however slowly the test machine runs.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._settles: list[Callable[[], Awaitable[object]]] = []
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._moving: asyncio.Task[None] | None = None

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        at = self.clock() + timedelta(seconds=max(0.0, seconds))
        heapq.heappush(self._sleepers, (at, next(self._order), wake))
        self._move_if_all_asleep()
        await wake

    async def run(self, settle: Callable[[], Awaitable[object]], work: Awaitable[T]) -> T:
        """Run `work` as one party; `settle` waits for what it has in flight."""
        self._settles.append(settle)
        try:
            return await work
        finally:
            self._settles.remove(settle)
            self._move_if_all_asleep()

    def _move_if_all_asleep(self) -> None:
        if self._moving is None and self._sleepers and len(self._sleepers) >= len(self._settles):
            self._moving = asyncio.create_task(self._move())

    async def _move(self) -> None:
        # A send that failed is the dispatcher's business, not the clock's.
        await asyncio.gather(*(settle() for settle in self._settles), return_exceptions=True)
        at, _, wake = heapq.heappop(self._sleepers)
        self.clock.now = max(self.clock.now, at)
        self._moving = None
        wake.set_result(None)
