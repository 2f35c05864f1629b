"""Direct answers get through Telegram's hiccups: flood limits, 5xx and timeouts.

PTB's AIORateLimiter waits out `RetryAfter` and paces group chats (20/min each); it does not
retry server errors or timeouts. This adds retries with backoff for those, so a reply is not
lost to one bad second. A timed-out request may have reached Telegram, so a retry can repeat
that one message: a repeated answer is better than none.

The limiter's overall pace (30/s) is switched off: answers follow what people send, and pacing
them made every reply wait behind a burst (the /help benchmark halved); a 429 is still waited
out. Messages the bot sends on its own go through the outbox dispatcher, which paces them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
# A Bot API result as PTB passes it on (its own alias lives in a private module).
JSONDict = dict[str, Any]


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, *, attempts: int = 4, first_delay: float = 0.5) -> None:
        super().__init__(overall_max_rate=0, max_retries=3)
        self.attempts = attempts
        self.first_delay = first_delay

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise  # our request is wrong; sending it again will not help
            except NetworkError as exc:  # 5xx, timeouts, connection errors
                if attempt == self.attempts:
                    raise
                log.warning(
                    "Bot API %s failed (%s), attempt %d; retrying in %.1f s",
                    endpoint,
                    type(exc).__name__,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")
