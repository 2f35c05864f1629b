"""Conversations that survive restarts, expire after a silence (also across restarts), and
check at every step who may still take it.

PTB's own conversation_timeout runs as JobQueue jobs, which are not restored after a restart,
and PTB has no public way to end a conversation from outside. So the persistence keeps the
last-activity time with each state, and an expiry guard stands first in every state: on the
user's next update after the silence it tells them and ends the conversation.

A command's roles are checked when it starts, but a conversation lasts: its member may be
deactivated or given another role in between, by an admin or behind the bot's back. So an
access guard stands beside the expiry guard, around the entry points, every state's handlers
and the fallbacks: it runs them only while the member is active and their role may use the
conversation's command, and else tells them and ends the conversation. It also drops the
conversation's draft (user_data[name]) whenever the conversation ends, so a finished
conversation leaves nothing behind. A draft that no longer fits its model
(bot.telegram.drafts) ends the conversation as an expiry would.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, MutableMapping, Sequence
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.commands import Command
from bot.commands import command as command_entry
from bot.telegram.context import BotContext
from bot.telegram.drafts import StaleDraft
from bot.telegram.identity import Callback, refusal
from bot.telegram.persistence import DatabasePersistence

Handler = BaseHandler[Any, BotContext, Any]
Handlers = Sequence[Handler]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


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
        super().__init__(self.expired)
        self.name, self.command = name, command
        self.persistence, self.timeout, self.clock = persistence, timeout, clock

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or not update.effective_chat or not update.effective_user:
            return False
        key = (update.effective_chat.id, update.effective_user.id)
        last = self.persistence.last_activity(self.name, key)
        return last is not None and self.clock() - last > self.timeout

    async def expired(self, update: Update, context: BotContext) -> int:
        if context.user_data is not None:
            context.user_data.pop(self.name, None)  # the draft goes with the conversation
        if update.callback_query:
            await update.callback_query.answer()
        assert update.effective_chat
        minutes = int(self.timeout.total_seconds() // 60)
        again = f"/{command_entry(self.command).display_name(context.language)}"
        await context.bot.send_message(
            update.effective_chat.id,
            context.t("conversation.expired", count=minutes, command=again),
        )
        return ConversationHandler.END


class AccessGuard(BaseHandler[Update, BotContext, Any]):
    """Runs the first of `handlers` that matches, if the member of the update may (still) use
    the conversation's command; otherwise it tells them and ends the conversation. Whenever
    the conversation ends, its draft goes too. A step that finds its stored draft stale
    (saved by an older version, or forged) is answered by `stale`, as an expiry is."""

    def __init__(self, name: str, entry: Command, handlers: Handlers, stale: Callback) -> None:
        super().__init__(self._refuse)
        self.name, self.entry, self.handlers = name, entry, list(handlers)
        self.stale = stale

    def check_update(self, update: object) -> tuple[Handler, object] | None:
        for handler in self.handlers:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def handle_update(  # type: ignore[override]
        self,
        update: Update,
        application: AnyApplication,
        check_result: tuple[Handler, object],
        context: BotContext,
    ) -> object:
        handler, check = check_result
        if refusal(context, self.entry) is None:
            try:
                state = await handler.handle_update(update, application, check, context)
            except StaleDraft:
                state = await self.stale(update, context)
        else:
            state = await self._refuse(update, context)
        if state == ConversationHandler.END and context.user_data is not None:
            context.user_data.pop(self.name, None)
        return state

    async def _refuse(self, update: Update, context: BotContext) -> int:
        text = refusal(context, self.entry, pressed=update.callback_query is not None)
        assert text is not None
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message:
            await update.effective_message.reply_text(text)
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
    """A ConversationHandler whose states are persisted, guarded against expiry, and whose
    every step is taken only by those the command table allows for `command`."""
    expiry = guard(name, command)
    entry = command_entry(command)

    def checked(handlers: Handlers) -> list[Handler]:
        return [AccessGuard(name, entry, handlers, expiry.expired)]

    with warnings.catch_warnings():
        # PTB warns that button presses are tracked per user, not per message: that is what
        # we want (one conversation per user and chat, buttons checked by pattern and state).
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=checked(entry_points),
            states={state: [expiry, *checked(handlers)] for state, handlers in states.items()},
            fallbacks=checked(fallbacks),
            name=name,
            persistent=True,
            allow_reentry=True,
        )


def end_conversations(application: AnyApplication, user_id: int) -> None:
    """End every open conversation of this user and drop their drafts (user_data holds
    nothing else), in memory; the next commit of any update deletes the rows too.

    PTB has no public way to end a conversation from outside, so the user's keys are removed from
    each ConversationHandler's state dict directly. That dict records the removal, and
    `Application.update_persistence` (called by every commit, bot.telegram.commit) hands it on to
    the persistence as an ended conversation."""
    application.drop_user_data(user_id)
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                states: MutableMapping[tuple[int | str, ...], object] = handler._conversations
                for key in [key for key in states if user_id in key]:
                    del states[key]


def forget_user(application: AnyApplication, user_id: int) -> None:
    """Drop what PTB keeps in memory of a user who left; the update's commit then deletes the
    rows too."""
    end_conversations(application, user_id)
    application.drop_chat_data(user_id)  # their private chat has their id


def ending_other_conversations(callback: Callback) -> Callback:
    """`callback` after ending every other open conversation of the user (for /concern).

    The concern flow keeps its draft in memory only (handlers.concern.flow), so after a restart
    it is gone while a persistent conversation left open would be restored, and the concern
    text typed next would land there (as a reply to a reporter, a report note). Ending the
    others first leaves the text nowhere but the concern flow, or the help after a restart.

    The concern's update is quiet and commits nothing (bot.telegram.commit), so the ended
    conversations are only buffered; the next commit of whatever update comes next (anyone's)
    or the flush on stopping writes them. That reveals nothing about the concern: rows are
    deleted, so no time and no value of the flow is stored, and the write lands in another
    update's transaction, not at a moment of the flow. At most a reader who watches the
    table sees that a person's earlier conversation ended without an update of theirs,
    which a role change or deactivation also does. That tells neither whether a concern was
    sent nor which: opening /concern sends nothing, and anonymous concerns are written at
    the end of their batch, apart from anything that names a person (DESIGN section 6)."""

    @wraps(callback)
    async def ending(update: Update, context: BotContext) -> Any:
        assert update.effective_user
        end_conversations(context.application, update.effective_user.id)
        return await callback(update, context)

    return ending
