"""What every button's data must satisfy before a handler reads it.

Callback data comes back from the client, so anyone can send any string that fits a button's
pattern. The numbers in ours are database ids, counts, days and pages; a number no INTEGER
column holds can only be forged, and querying with it fails in the driver (PostgreSQL: out of
int32 range, SQLite: OverflowError) instead of finding nothing. So it is refused here, once for
every button, as a stale button; smaller numbers that name nothing are the services' to refuse.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from telegram import Update

from bot.services.errors import DomainError
from bot.telegram.context import BotContext
from bot.telegram.identity import Callback
from storage.types import INTEGER_MAX


def numbers_checked(callback: Callback) -> Callback:
    """Run `callback` only when every number in the matched data fits a database integer."""

    @wraps(callback)
    async def checked(update: Update, context: BotContext) -> Any:
        match = context.matches[0] if context.matches else None
        if match is not None and any(_too_big(group) for group in match.groups()):
            raise DomainError("error.stale_button")
        return await callback(update, context)

    return checked


def _too_big(group: str | None) -> bool:
    return group is not None and group.isdecimal() and int(group) > INTEGER_MAX
