"""Answering a pulse survey leaves no trace (DESIGN section 6), like the concern flow.

Drafts (the scores given so far) live in memory; finished answers wait in memory too, until at
least k people of a survey have answered, and are then written as one batch: who took part
(keyed hashes) and the answers and comments, shuffled, in one transaction. Nothing smaller is
ever written. Answers still waiting when the bot stops cleanly, or when their survey closes,
are dropped: their people are told, through sealed deliveries (the chat id and language kept
beside the answers in memory only), to answer again - or, after the closing, that their
answers could not be counted. A crash loses the waiting answers with their participation
alike and tells nobody; those people may answer again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Message, Update
from telegram.ext import filters

from bot.services.privacy_crypto import PrivacyKey
from bot.services.pulse import pulse
from bot.services.pulse.pulse import Completed, DroppedNotices, Respondent
from handlers.concern.flow import CANCEL, command_of

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Waiting:
    """One person's finished answers, and where to tell them should the answers be dropped."""

    completed: Completed
    respondent: Respondent


@dataclass
class _Survey:
    k: int
    people: list[Waiting] = field(default_factory=list)


class PulseBuffer:
    """Finished answers per survey, waiting until k people make up a batch."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key: PrivacyKey | None,
        notices: DroppedNotices,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions, self._key, self._notices, self._clock = sessions, key, notices, clock
        self._surveys: dict[int, _Survey] = {}
        # One change at a time: what waits is written, or dropped, exactly once.
        self._lock = asyncio.Lock()

    def waiting(self, survey_id: int, participation: str) -> bool:
        survey = self._surveys.get(survey_id)
        return survey is not None and any(
            w.completed.participation == participation for w in survey.people
        )

    async def add(self, survey_id: int, k: int, waiting: Waiting) -> None:
        async with self._lock:
            self._surveys.setdefault(survey_id, _Survey(k)).people.append(waiting)
            await self._write_batches()

    async def settle(self) -> None:
        """The scheduler's look: write a batch an earlier attempt could not, and drop what
        waits for surveys that no longer take answers (those people are told)."""
        async with self._lock:
            await self._write_batches()
            if not self._surveys:
                return
            try:
                async with self._sessions() as session:
                    running = {s.id for s in await pulse.open_surveys(session, self._clock())}
            except SQLAlchemyError as error:
                log.warning("open pulse surveys could not be read (%s)", type(error).__name__)
                return
            await self._drop([s for s in self._surveys if s not in running], give_up=False)

    async def drop_all(self) -> None:
        """On a clean stop: nothing waiting is written, everyone waiting is asked to answer
        again (or, if their survey closed, told their answers could not be counted)."""
        async with self._lock:
            await self._drop(list(self._surveys), give_up=True)

    async def _write_batches(self) -> None:
        for survey_id, survey in list(self._surveys.items()):
            if len(survey.people) < survey.k:
                continue
            try:
                async with self._sessions.begin() as session:
                    batch = [w.completed for w in survey.people]
                    if not await pulse.record_batch(session, survey_id, batch):
                        await self._tell(session, {survey_id: survey.people})
            except SQLAlchemyError as error:
                # Kept waiting: the next answer or the scheduler's next look writes them. Only
                # the error's kind is logged: its text would quote the rows.
                log.warning("a pulse batch could not be written (%s)", type(error).__name__)
                continue
            del self._surveys[survey_id]

    async def _drop(self, survey_ids: list[int], *, give_up: bool) -> None:
        """Forget what waits for these surveys once their people are told; when telling fails,
        keep it for the next look, unless this is the last chance (`give_up`)."""
        dropped = {s: self._surveys[s].people for s in survey_ids if s in self._surveys}
        if not dropped:
            return
        try:
            async with self._sessions.begin() as session:
                await self._tell(session, dropped)
        except SQLAlchemyError as error:
            log.warning(
                "pulse answers to drop: telling their people failed (%s)", type(error).__name__
            )
            if not give_up:
                return
        for survey_id in dropped:
            del self._surveys[survey_id]

    async def _tell(self, session: AsyncSession, dropped: Mapping[int, list[Waiting]]) -> None:
        if self._key is None:  # nobody answers without the key: nobody can be waiting
            return
        people = {s: [w.respondent for w in waiting] for s, waiting in dropped.items()}
        await pulse.tell_dropped(session, self._key, people, self._notices, self._clock())
