"""A database that goes away for a while, as in a restart, for one engine of a test.

While it is away every pooled connection turns out dead on checkout (as `pool_pre_ping` finds
after a restart) and new connections are refused with the driver's own OperationalError, so
the code under test sees what it would see in production. Its end is a time on a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine


class Outage:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        progress: Callable[[], int] = lambda: 0,
    ) -> None:
        """`progress` counts something (e.g. messages sent); it is noted when the database
        goes away and when it is back."""
        self.clock = clock
        self.progress = progress
        self.until: datetime | None = None
        self.at_start: int | None = None
        self.at_back: int | None = None
        self._refused = engine.dialect.dbapi.OperationalError
        event.listen(engine.sync_engine, "checkout", self._checkout)
        event.listen(engine.sync_engine, "do_connect", self._connect)

    def begin(self, seconds: float) -> None:
        self.until = self.clock() + timedelta(seconds=seconds)
        self.at_start = self.progress()

    @property
    def during(self) -> int:
        """How much progress was made while the database was away."""
        assert self.at_start is not None and self.at_back is not None, "no whole outage yet"
        return self.at_back - self.at_start

    def _away(self) -> bool:
        if self.until is None:
            return False
        if self.clock() < self.until:
            return True
        self.until = None
        self.at_back = self.progress()
        return False

    def _checkout(self, *_: Any) -> None:
        if self._away():
            raise DisconnectionError("server closed the connection unexpectedly")

    def _connect(self, *_: Any) -> None:
        if self._away():
            raise self._refused("the database system is starting up")
