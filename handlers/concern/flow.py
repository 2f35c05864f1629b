"""The concern flow leaves no trace (DESIGN section 6): drafts in memory, quiet updates.

Drafts live here, never in PTB's persistence or user_data, and are forgotten after the usual
conversation timeout or a restart. Before an update is handled, `ConcernDrafts.claims` tells
whether it belongs to the flow; the update processor then runs it with `QUIET` (bot.telegram.quiet)
set, which drops every log record (bot.config.logs) and skips the per-update writes (the
persistence flush, the "last active" day, the unblocking of a member who wrote again); its
"processed" mark is written alone (bot.telegram.commit). Anonymous concerns themselves wait for the
end of their batch (bot.services.concern.buffer).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Message, Update
from telegram.ext import filters

from bot.services.privacy_crypto import DailyKey

PREFIX = "anl:"
COMMANDS = frozenset({"concern", "anliegen"})
CANCEL = frozenset({"cancel", "abbrechen"})
# A receipt sent on its own: as shown (K7QM-2XRD-9TPA-HV4E), or typed in lower case, with
# spaces or without separators. Stricter than normalise_receipt, which finds codes inside
# sentences; a message that merely looks like one is answered with a hint to /help.
RECEIPT_ALONE = re.compile(r"^\s*[0-9A-Za-z]{4}(?:[\s\-\u2010-\u2015]?[0-9A-Za-z]{4}){3}\s*$")
MAX_DRAFTS = 10_000
# Messages on existing concerns per person and day: a dialogue needs more than new concerns.
MESSAGES_PER_DAY = 20


class Step:
    KIND = "kind"
    CATEGORY = "category"
    SEVERITY = "severity"
    TEXT = "text"
    CONFIRM = "confirm"
    NOTIFY = "notify"
    RECEIPT = "receipt"
    ANSWER = "answer"


# Steps that wait for a typed message (the others wait for a button).
TYPING = frozenset({Step.TEXT, Step.RECEIPT, Step.ANSWER})


@dataclass
class Draft:
    step: str
    touched: datetime
    anonymous: bool = False
    category: str | None = None
    severity: str | None = None
    text: str | None = None
    # After sending: the concern whose notification choice is still open.
    concern_id: str | None = None
    # Answering: the ticket the next message belongs to.
    ticket: str | None = None


@dataclass
class ConcernDrafts:
    clock: Callable[[], datetime]
    timeout: timedelta
    _drafts: dict[int, Draft] = field(default_factory=dict)

    def get(self, user_id: int) -> Draft | None:
        draft = self._drafts.get(user_id)
        if draft is not None and self.clock() - draft.touched > self.timeout:
            del self._drafts[user_id]
            return None
        return draft

    def start(self, user_id: int, step: str, **values: object) -> Draft:
        if len(self._drafts) >= MAX_DRAFTS:
            self._forget_expired()
        draft = Draft(step=step, touched=self.clock(), **values)  # type: ignore[arg-type]
        self._drafts[user_id] = draft
        return draft

    def touch(self, draft: Draft, step: str) -> Draft:
        draft.step, draft.touched = step, self.clock()
        return draft

    def drop(self, user_id: int) -> None:
        self._drafts.pop(user_id, None)

    def _forget_expired(self) -> None:
        now = self.clock()
        for user_id in [u for u, d in self._drafts.items() if now - d.touched > self.timeout]:
            del self._drafts[user_id]

    def waiting_for_text(self, user_id: int) -> bool:
        draft = self.get(user_id)
        return draft is not None and draft.step in TYPING

    def claims(self, update: object) -> bool:
        """Whether `update` belongs to the concern flow. Another command ends a draft, so
        what the user types next goes to that command's conversation."""
        if not isinstance(update, Update) or update.effective_user is None:
            return False
        user_id = update.effective_user.id
        query = update.callback_query
        if query is not None:
            return (query.data or "").startswith(PREFIX)
        message = update.message
        if message is None:
            return False
        command = command_of(message)
        if command in COMMANDS:
            return True
        private = message.chat.type == "private"
        if command is not None:
            if command in CANCEL and self.get(user_id) is not None:
                return private
            self.drop(user_id)
            return False
        if not private:
            return False
        if self.waiting_for_text(user_id) or answers_concern(message):
            return True
        return message.text is not None and RECEIPT_ALONE.fullmatch(message.text) is not None


def answers_concern(message: Message) -> bool:
    """A Telegram reply to one of the bot's concern messages (it carries the answer button)."""
    replied = message.reply_to_message
    if replied is None or replied.reply_markup is None:
        return False
    return any(
        (button.callback_data or "").startswith(f"{PREFIX}r:")
        for row in replied.reply_markup.inline_keyboard
        for button in row
        if isinstance(button.callback_data, str)
    )


def command_of(message: Message) -> str | None:
    text = message.text or ""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else None


class DailyCap:
    """New concerns and messages per person and day, counted under a key that lives in
    memory for one day only: nothing about who wrote how much can be recovered afterwards."""

    def __init__(self, key: DailyKey, limits: dict[str, int]) -> None:
        self._key, self._limits = key, limits
        self._counts: dict[str, int] = {}
        self._day = key.today()

    def _tag(self, user_id: int, kind: str) -> str:
        day = self._key.today()
        if day != self._day:
            self._counts, self._day = {}, day
        return self._key.tag(f"{kind}:{user_id}")

    def limit(self, kind: str) -> int:
        return self._limits[kind]

    def reached(self, user_id: int, kind: str) -> bool:
        return self._counts.get(self._tag(user_id, kind), 0) >= self._limits[kind]

    def count(self, user_id: int, kind: str) -> None:
        tag = self._tag(user_id, kind)
        self._counts[tag] = self._counts.get(tag, 0) + 1


class HasDraft(filters.MessageFilter):
    """Messages of a user with a concern draft; with `typing`, only while it waits for typed
    text (files included, so they can be told to write instead)."""

    def __init__(self, drafts: ConcernDrafts, *, typing: bool = False) -> None:
        super().__init__(name="concern_draft")
        self.drafts, self.typing = drafts, typing

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None:
            return False
        if self.typing:
            return self.drafts.waiting_for_text(user.id)
        return self.drafts.get(user.id) is not None


class AnswerFilter(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return answers_concern(message)
