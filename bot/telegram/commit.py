"""The last handler group: persist what an update changed and mark it handled, together."""

from __future__ import annotations

from telegram import Update

from bot.telegram.context import BotContext
from bot.telegram.quiet import QUIET


async def commit_update(update: Update, context: BotContext) -> None:
    """Last group: persist what this update changed and mark it handled, in one transaction.

    The anonymous flows' updates (concerns, pulse answers) persist nothing, but their ids are
    marked too, each in a transaction of its own that holds nothing else. Left out, the gaps
    among the ids of processed_updates would show when someone used those flows, and the
    updates marked around a gap would point at who (DESIGN section 6). Marked alone, such an
    update looks like any other that changed nothing (/help, a chart), and a redelivered one
    changes nothing either, as DESIGN section 1 asks of every update. A high-water mark instead
    of the ids cannot do that: updates of different people are handled concurrently and
    commit out of order, so after a crash an update below the mark might never have been
    handled, and would then be skipped."""
    if QUIET.get():
        await context.runtime.persistence.mark_processed(update.update_id)
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
