"""Switchable misbehaviour of the fake server, consulted before every Bot API method runs.

Method names are matched case-insensitively, like Telegram matches them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["SENDING_METHODS", "ApiError", "Faults"]

# Methods Telegram's flood control counts: everything that puts or changes content in a chat.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendSticker",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)


class ApiError(Exception):
    """An error answer in Telegram's shape; raised by method handlers and by faults."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload


@dataclass
class _Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None
    remaining: int
    # Calls answered normally before this failure starts.
    passing: int = 0


@dataclass
class _Bucket:
    """Token bucket: a burst of up to max(1, rate) calls, refilled at `rate` per second."""

    rate: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        capacity = max(1.0, self.rate)
        self.tokens = min(capacity, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now


class Faults:
    """Fault switches; `clock` is injectable so rate-limit tests can move time by hand.

    `on_change` is called when a switch is armed that someone may be waiting on (the
    webhook delivery task acts on redeliver_last_batch without a new update arriving).
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.clock = clock
        self.on_change = on_change
        self.clear()

    def clear(self) -> None:
        """Switch every fault off (blocked users are state of FakeUser, not cleared here)."""
        self._failures: dict[str, list[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._limited_methods: frozenset[str] = frozenset()
        self._global_rate: float | None = None
        self._chat_rate: float | None = None
        self._retry_after = 1
        self._global_bucket: _Bucket | None = None
        self._chat_buckets: dict[Any, _Bucket] = {}
        self._redeliver = False

    def rate_limit(
        self,
        per_second: float | None = None,
        per_chat_per_second: float | None = None,
        retry_after: int = 1,
        methods: Iterable[str] = SENDING_METHODS,
    ) -> None:
        """Answer 429 "Too Many Requests: retry after N" above either rate.

        Rejected calls do not use up capacity. Calling with both rates None switches it off.
        """
        self._limited_methods = frozenset(name.lower() for name in methods)
        self._global_rate = per_second
        self._chat_rate = per_chat_per_second
        self._retry_after = retry_after
        self._global_bucket = None
        self._chat_buckets = {}

    def fail_next(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        description: str = "Internal Server Error",
        parameters: dict[str, Any] | None = None,
        after: int = 0,
    ) -> None:
        """The next `count` calls of `method` answer with this error (queued after earlier ones);
        with `after`, only once that many calls were answered normally (e.g. the second
        client's getMe at start-up, not the first's)."""
        failure = _Failure(status, description, parameters, count, after)
        self._failures.setdefault(method.lower(), []).append(failure)

    def slow(self, method: str, seconds: float) -> None:
        """Delay every answer to `method` by `seconds` (0 switches it off); stop() cuts it short."""
        if seconds > 0:
            self._delays[method.lower()] = seconds
        else:
            self._delays.pop(method.lower(), None)

    def redeliver_last_batch(self) -> None:
        """Serve the last batch of updates once more, in polling or in webhook mode.

        Models Telegram re-sending updates whose confirmation got lost in a crash.

        Polling: the next getUpdates answer (whatever its offset, without long-poll waiting)
        starts with every update of the last batch - same update_ids and content - followed
        by pending updates newer than them, up to `limit`. The replayed updates are not
        queued again, so they come back exactly once even if that call's offset had already
        confirmed them.

        Webhook: as soon as no push is in flight or backing off, every update of the last
        batch is POSTed once more (exactly once each, whatever the answer), before any
        pending update; see WebhookMethods._next_push.

        The last batch is the last non-empty getUpdates answer or the single update last
        confirmed by a webhook push (a webhook batch is one update), whichever came later.
        """
        self._redeliver = True
        if self.on_change is not None:
            self.on_change()

    # --- used by the server -------------------------------------------------------------

    def delay_for(self, method: str) -> float:
        return self._delays.get(method.lower(), 0.0)

    def take_redelivery(self) -> bool:
        armed, self._redeliver = self._redeliver, False
        return armed

    def check(self, method: str, params: dict[str, Any]) -> ApiError | None:
        """The error to answer instead of running `method`, consuming one-shot faults."""
        queue = self._failures.get(method.lower())
        if queue and queue[0].passing > 0:
            queue[0].passing -= 1
        elif queue:
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.pop(0)
            parameters = failure.parameters
            if failure.status == 429 and parameters is None:
                # Without retry_after PTB would not raise RetryAfter, which is the point of 429.
                parameters = {"retry_after": self._retry_after}
            return ApiError(failure.status, failure.description, parameters)
        if method.lower() in self._limited_methods and not self._take_rate_tokens(params):
            return ApiError(
                429,
                f"Too Many Requests: retry after {self._retry_after}",
                {"retry_after": self._retry_after},
            )
        return None

    def _take_rate_tokens(self, params: dict[str, Any]) -> bool:
        now = self.clock()
        buckets: list[_Bucket] = []
        if self._global_rate is not None:
            if self._global_bucket is None:
                self._global_bucket = _Bucket(self._global_rate, max(1.0, self._global_rate), now)
            buckets.append(self._global_bucket)
        if self._chat_rate is not None:
            chat = params.get("chat_id")
            bucket = self._chat_buckets.get(chat)
            if bucket is None:
                bucket = _Bucket(self._chat_rate, max(1.0, self._chat_rate), now)
                self._chat_buckets[chat] = bucket
            buckets.append(bucket)
        for bucket in buckets:
            bucket.refill(now)
        if any(bucket.tokens < 1 - 1e-9 for bucket in buckets):
            return False
        for bucket in buckets:
            bucket.tokens -= 1
        return True
