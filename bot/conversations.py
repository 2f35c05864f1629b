"""Conversations that survive restarts and expire after a silence, also across restarts.

PTB's own conversation_timeout runs as JobQueue jobs, which are not restored after a restart,
and PTB has no public way to end a conversation from outside. So the persistence keeps the
last-activity time with each state, and an expiry guard stands first in every state: on the
user's next update after the silence it tells them and ends the conversation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, MutableMapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.commands import command as command_entry
from bot.context import BotContext
from bot.persistence import DatabasePersistence

Handlers = Sequence[BaseHandler[Any, BotContext, Any]]


class ExpiryGuard(BaseHandler[Update, BotContext, Any]):
    """Matches any update of a conversation that has been silent for longer than `timeout`."""

    def __init__(
        self,
        name: str,
        command: str,
        persistence: DatabasePersistence,
        timeout: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(self._expired)
        self.name, self.command = name, command
        self.persistence, self.timeout, self.clock = persistence, timeout, clock

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or not update.effective_chat or not update.effective_user:
            return False
        key = (update.effective_chat.id, update.effective_user.id)
        last = self.persistence.last_activity(self.name, key)
        return last is not None and self.clock() - last > self.timeout

    async def _expired(self, update: Update, context: BotContext) -> int:
        if context.user_data is not None:
            context.user_data.pop(self.name, None)  # the draft goes with the conversation
        if update.callback_query:
            await update.callback_query.answer()
        assert update.effective_chat
        minutes = int(self.timeout.total_seconds() // 60)
        again = f"/{command_entry(self.command).display_name(context.language)}"
        await context.bot.send_message(
            update.effective_chat.id,
            context.t("conversation.expired", minutes=minutes, command=again),
        )
        return ConversationHandler.END


def persistent_conversation(
    *,
    name: str,
    command: str,
    entry_points: Handlers,
    states: dict[object, Handlers],
    fallbacks: Handlers,
    guard: Callable[[str, str], ExpiryGuard],
) -> ConversationHandler[BotContext]:
    """A ConversationHandler whose states are persisted and guarded against expiry."""
    expiry = guard(name, command)
    with warnings.catch_warnings():
        # PTB warns that button presses are tracked per user, not per message: that is what
        # we want (one conversation per user and chat, buttons checked by pattern and state).
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states={state: [expiry, *handlers] for state, handlers in states.items()},
            fallbacks=list(fallbacks),
            name=name,
            persistent=True,
            allow_reentry=True,
        )


def forget_user(application: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """Drop what PTB keeps in memory of a user who left; the update's commit then deletes the
    rows too. PTB has no public way to end a conversation from outside, so the user's keys are
    removed from each ConversationHandler's state dict directly."""
    application.drop_user_data(user_id)
    application.drop_chat_data(user_id)  # their private chat has their id
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                states: MutableMapping[tuple[int | str, ...], object] = handler._conversations
                for key in [key for key in states if user_id in key]:
                    del states[key]
