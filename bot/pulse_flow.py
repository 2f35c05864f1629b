"""Answering a pulse survey leaves no trace (DESIGN section 6), like the concern flow.

Drafts (the scores given so far) live in memory; finished answers wait in memory too, until at
least k people of a survey have answered, and are then written as one batch: first who took
part (keyed hashes), then - in a transaction of its own - the answers and comments, shuffled.
A batch smaller than k is written only when the survey closes or the bot stops cleanly; a
crash loses the waiting answers and their participation alike, so those people may answer
again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Message, Update
from telegram.ext import filters

from bot.concern_flow import CANCEL, command_of
from bot.services import pulse
from bot.services.pulse import Completed

PREFIX = "pls:"


@dataclass
class PulseDraft:
    survey_id: int
    codes: list[str]
    k: int
    touched: datetime
    scores: dict[str, int] = field(default_factory=dict)

    @property
    def next_index(self) -> int:
        return len(self.scores)

    @property
    def wants_comment(self) -> bool:
        return len(self.scores) == len(self.codes)


@dataclass
class PulseDrafts:
    clock: Callable[[], datetime]
    timeout: timedelta
    _drafts: dict[int, PulseDraft] = field(default_factory=dict)

    def get(self, user_id: int) -> PulseDraft | None:
        draft = self._drafts.get(user_id)
        if draft is not None and self.clock() - draft.touched > self.timeout:
            del self._drafts[user_id]
            return None
        return draft

    def start(self, user_id: int, survey_id: int, codes: list[str], k: int) -> PulseDraft:
        draft = PulseDraft(survey_id, codes, k, self.clock())
        self._drafts[user_id] = draft
        return draft

    def drop(self, user_id: int) -> None:
        self._drafts.pop(user_id, None)

    def waiting_for_comment(self, user_id: int) -> bool:
        draft = self.get(user_id)
        return draft is not None and draft.wants_comment

    def claims(self, update: object) -> bool:
        """Whether `update` belongs to answering a survey (then it is handled quietly)."""
        if not isinstance(update, Update) or update.effective_user is None:
            return False
        if update.callback_query is not None:
            return (update.callback_query.data or "").startswith(PREFIX)
        message = update.message
        if message is None or message.chat.type != "private":
            return False
        user_id = update.effective_user.id
        command = command_of(message)
        if command is not None:
            if command in CANCEL and self.get(user_id) is not None:
                return True
            self.drop(user_id)
            return False
        return self.waiting_for_comment(user_id)


class HasPulseDraft(filters.MessageFilter):
    """Messages of a user answering a survey; with `comment`, only once it waits for one."""

    def __init__(self, drafts: PulseDrafts, *, comment: bool = False) -> None:
        super().__init__(name="pulse_draft")
        self.drafts, self.comment = drafts, comment

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None:
            return False
        if self.comment:
            return self.drafts.waiting_for_comment(user.id)
        return self.drafts.get(user.id) is not None


class PulseBuffer:
    """Finished answers per survey, waiting to be written as a batch."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._waiting: dict[int, list[Completed]] = {}
        self._lock = asyncio.Lock()

    def waiting(self, survey_id: int, participation: str) -> bool:
        return any(c.participation == participation for c in self._waiting.get(survey_id, []))

    async def add(self, survey_id: int, completed: Completed, k: int) -> None:
        self._waiting.setdefault(survey_id, []).append(completed)
        if len(self._waiting[survey_id]) >= k:
            await self.write(survey_id)

    async def write(self, survey_id: int) -> None:
        async with self._lock:
            batch = self._waiting.pop(survey_id, [])
            if not batch:
                return
            # Two transactions: who took part, then what was answered - never together.
            async with self._sessions.begin() as session:
                await pulse.record_participation(session, survey_id, batch)
            async with self._sessions.begin() as session:
                await pulse.record_answers(session, survey_id, batch)

    async def write_closed(self, now: datetime) -> None:
        """Write what waits for surveys that no longer take answers."""
        if not self._waiting:
            return
        async with self._sessions() as session:
            still_open = {s.id for s in await pulse.open_surveys(session, now)}
        for survey_id in [s for s in self._waiting if s not in still_open]:
            await self.write(survey_id)

    async def write_all(self) -> None:
        for survey_id in list(self._waiting):
            await self.write(survey_id)
