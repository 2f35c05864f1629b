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
    application = context.application
    # PTB marks an update's user and chat for persistence only after every handler group ran,
    # that is after this one: unmarked, what this update changed in user_data would wait for
    # the next update's commit (and be lost by a crash before it).
    application.mark_data_for_update_persistence(
        chat_ids=update.effective_chat.id if update.effective_chat else None,
        user_ids=update.effective_user.id if update.effective_user else None,
    )
    await application.update_persistence()
    await context.runtime.persistence.commit(update.update_id)
