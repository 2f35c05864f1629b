"""Records and plumbing the fake keeps: API calls, visible events, uploads, change wake-ups."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .driver import BotMessage

__all__ = ["ApiCall", "CallbackQuery", "Event", "Notifier", "UploadedFile"]

T = TypeVar("T")


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float
    response: dict[str, Any] | None = None


@dataclass
class Event:
    """Something the bot did that a user could see; `text` is the message text at that time."""

    kind: str  # "message" | "edit" | "delete" | "callback_answer" | "chat_action"
    method: str
    chat_id: int
    at: float
    message: BotMessage | None = None
    text: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None


@dataclass
class UploadedFile:
    field_name: str
    file_name: str | None
    content_type: str | None
    content: bytes = field(repr=False)


@dataclass
class CallbackQuery:
    """Where an injected callback query came from, so its answer can be attributed."""

    user_id: int
    chat_id: int
    message_id: int


class Notifier:
    """Wakes all waiters on any change; each waiter re-checks its own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float) -> T | None:
        """The first non-None result of `probe`, or None once `timeout` seconds passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (result := probe()) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)
        return result
