"""Slowing down someone who tries invite codes: after a few wrong ones, a pause."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta


class AttemptLimiter:
    """At most `allowed` failures per user within `window`; then refused until the oldest
    failure leaves the window. Kept in memory: one process receives updates."""

    def __init__(self, allowed: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self.allowed, self.window = allowed, window
        self._failures: dict[int, deque[datetime]] = {}

    def blocked(self, user_id: int, now: datetime) -> bool:
        failures = self._failures.get(user_id)
        if not failures:
            return False
        while failures and now - failures[0] > self.window:
            failures.popleft()
        if not failures:
            del self._failures[user_id]
        return len(failures) >= self.allowed

    def failed(self, user_id: int, now: datetime) -> None:
        self._failures.setdefault(user_id, deque()).append(now)
