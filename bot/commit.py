"""The last handler group: persist what an update changed and mark it handled, together."""

from __future__ import annotations

from telegram import Update

from bot.concern_flow import QUIET
from bot.context import BotContext


async def commit_update(update: Update, context: BotContext) -> None:
    """Last group: persist what this update changed and mark it handled, in one transaction.

    Not for the anonymous flows' updates (concerns, pulse answers): they leave no trace, not
    even their update id."""
    if QUIET.get():
        return
    await context.application.update_persistence()
    await context.runtime.persistence.commit(update.update_id)
