"""The playground's months of history: the demo year (bot.demo.year) up to the playground's
"today", written through the real services and timed steps into the playground's own database.

Quick by design (the default five and a half months took 15-20 s on 2 cores while this was
written; tests/test_playground.py builds three weeks, the browser test two and a half months):
- the plan's events up to TODAY go through the services as in the year test, but the timed
  steps run once a week (Mondays, 10:05) instead of every 30 seconds: each step catches up what
  came due since its last run, so history is coarser, never missing;
- nothing of the past is sent through HTTP: deliveries due before the last LIVE_DAYS are marked
  sent (those to anonymous reporters, which are deleted once sent, are deleted), so the demo
  people's chats start with what the bot sent them in the last days only;
- the pulse surveys that opened get the answers of a dozen members (written as one batch, as
  the bot writes batches), so closed surveys show results; two concerns get a thread with the
  coordination office.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.demo import year
from bot.i18n import Translator
from bot.scheduling.hooks import schedule_hooks
from bot.scheduling.jobs import RUN, TimedSteps, TimedWork
from bot.services.concern.buffer import ConcernBuffer
from bot.services.concern.concerns import Opened, add_message
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.services.obligations import ensure_obligations
from bot.services.privacy_crypto import PrivacyKey
from bot.services.pulse import pulse
from handlers.broadcast.texts import DeliveryReports
from handlers.pulse.flow import PulseBuffer
from handlers.pulse.texts import dropped_notices
from storage.engine import make_sessionmaker
from storage.models import Delivery, DeliveryState, Member
from storage.models.concerns import Author, ConcernStatus

log = logging.getLogger(__name__)

SEED = 1
# The playground's "today" when it starts: a Monday in June of the demo year, so five and a
# half months of history lie behind it (a whole year would take twice as long to build), at
# 10:30, after every demo member's reminder hour and quiet hours: moving the clock on by days
# keeps that time of day, so each day's reminders arrive at once.
TODAY = year._local(date(year.YEAR, 6, 15), 10, 30)
# Deliveries of these last days stay pending: they arrive when the playground starts.
LIVE_DAYS = 2
TICK_AT = (10, 5)
# Weeks before TODAY in which the timed steps run every Monday.
RECENT_WEEKS = 4
# Members answering each pulse survey (k is 5).
PULSE_ANSWERS = 12
REPLIES = (
    "Danke, dass Sie das ansprechen. Wir nehmen es in die nächste Steuerungsrunde mit und"
    " melden uns bis Freitag.",
    "Wir haben mit den Beteiligten gesprochen: Ab Dezember gibt es dafür eine feste"
    " Ansprechperson in der Koordinierungsstelle.",
)
REPORTER_REPLY = "Danke für die schnelle Rückmeldung, das hilft uns schon sehr."


def tick_times(today: datetime) -> list[datetime]:
    """When the timed steps run in the history: the first two Mondays of each month (a pulse
    survey opens on a first Monday and closes a week later) and every Monday of the last
    weeks, always at 10:05, after every demo member's reminder hour and quiet hours."""
    times = []
    day = year.START
    while (at := year._local(day, *TICK_AT)) < today:
        recent = today - at < timedelta(weeks=RECENT_WEEKS)
        if day.weekday() == 0 and (day.day <= 14 or recent):
            times.append(at)
        day += timedelta(days=1)
    return times


class VirtualClock:
    """The build's clock: set by hand to each moment of the history."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Built:
    events: int
    ticks: int
    seconds: float


async def build_history(settings: Settings, key: PrivacyKey, today: datetime = TODAY) -> Built:
    """Apply the demo initiative and its history up to `today` to the (migrated, empty)
    database of `settings`."""
    started = datetime.now(UTC)
    engine = settings.database.engine()
    try:
        sessions = make_sessionmaker(engine)
        counts = await _History(settings, sessions, key, today).run()
    finally:
        await engine.dispose()
    seconds = (datetime.now(UTC) - started).total_seconds()
    log.info("playground history: %d events, %d ticks in %.1f s", *counts, seconds)
    return Built(counts[0], counts[1], seconds)


class _History:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        key: PrivacyKey,
        today: datetime,
    ) -> None:
        self.settings, self.sessions, self.key, self.today = settings, sessions, key, today
        self.clock = VirtualClock(year.APPLIED_AT)
        self.translator = Translator(settings.bot.default_language)
        self.rng = random.Random(SEED)
        self.answered: set[int] = set()
        self.opened: list[tuple[Opened, str]] = []
        self.obligations_day: date | None = None

    async def run(self) -> tuple[int, int]:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "initiative.toml"
            path.write_text(year.build_initiative(SEED), encoding="utf-8")
            async with self.sessions.begin() as session:
                await apply_initiative(session, load_initiative_file(path))
        privacy = self.settings.privacy
        hooks = schedule_hooks(self.translator, privacy, self.settings.signals)
        concerns = ConcernBuffer(self.sessions)
        answers = PulseBuffer(self.sessions, self.key, dropped_notices(self.translator), self.clock)
        steps = TimedSteps(
            TimedWork.of(
                RUN, self.sessions, self.clock, self.translator, privacy, hooks, concerns, answers
            )
        )
        world = year.World(
            self.sessions,
            self.translator,
            self.key,
            concerns.waiting,
            privacy.concern_batch_minutes,
            SEED,
            obligations_written=True,
        )
        order = itertools.count()
        moments: list[tuple[datetime, int, str, Any]] = []
        for event in year.plan(SEED):
            if event.at < self.today:
                heapq.heappush(moments, (event.at, next(order), "event", event))
        for at in tick_times(self.today):
            heapq.heappush(moments, (at, next(order), "tick", None))
        events = ticks = 0
        while moments:
            at, _, kind, payload = heapq.heappop(moments)
            self.clock.now = max(self.clock.now, at)
            if kind == "event":
                await self._obligations(at)
                applied = await year.apply(world, payload)
                events += 1
                if applied.opened is not None:
                    self.opened.append((applied.opened, payload.actor))
            else:
                await self._tick(steps)
                ticks += 1
        self.clock.now = self.today
        await self._tick(steps)
        await self._threads()
        await self._settle(self.today - timedelta(days=LIVE_DAYS))
        return events, ticks + 1

    async def _obligations(self, at: datetime) -> None:
        """What is owed, written once a day before the day's reports (year.World)."""
        day = at.astimezone(year.ZONE).date()
        if day != self.obligations_day:
            self.obligations_day = day
            async with self.sessions.begin() as session:
                await ensure_obligations(session, at)

    async def _tick(self, steps: TimedSteps) -> None:
        await steps.tick()
        await self._answer_surveys()
        await self._settle(self.clock() - timedelta(days=LIVE_DAYS))

    async def _answer_surveys(self) -> None:
        """A dozen members answer each survey that opened, in one batch."""
        now = self.clock()
        async with self.sessions.begin() as session:
            surveys = [
                s for s in await pulse.open_surveys(session, now) if s.id not in self.answered
            ]
            if not surveys:
                return
            members = list(
                await session.scalars(select(Member.id).where(Member.active).order_by(Member.id))
            )
            for survey in surveys:
                self.answered.add(survey.id)
                people = self.rng.sample(members, min(PULSE_ANSWERS, len(members)))
                batch = [
                    pulse.Completed(
                        participation=pulse.participation(self.key, survey.id, member_id),
                        scores={
                            q.code: self.rng.choice([2, 3, 3, 4, 4, 4, 5]) for q in survey.questions
                        },
                        comment=None,
                    )
                    for member_id in people
                ]
                await pulse.record_batch(session, survey.id, batch)

    async def _threads(self) -> None:
        """The coordination office answers the last two concerns raised more than a week ago;
        a named reporter answers back."""
        coordinator = year.initiative(SEED).members[1]
        week_ago = self.today - timedelta(days=7)
        chosen = [o for o in self.opened if o[0].batch_at < week_ago][-2:]
        today = self.today.astimezone(year.ZONE).date()
        batch = self.settings.privacy.concern_batch_minutes
        async with self.sessions.begin() as session:
            coordinator_id = await session.scalar(
                select(Member.id).where(Member.telegram_id == coordinator.telegram_id)
            )
            for (opened, _actor), text in zip(chosen, REPLIES, strict=False):
                concern = await add_message(
                    session,
                    opened.ticket,
                    text,
                    author=Author.COORDINATION,
                    today=today,
                    now=self.today,
                    batch_minutes=batch,
                    coordinator_id=coordinator_id,
                )
                concern.status = ConcernStatus.IN_DIALOGUE.value
                concern.acknowledged_on = concern.acknowledged_on or today
                if concern.reporter_id is not None:
                    await add_message(
                        session,
                        opened.ticket,
                        REPORTER_REPLY,
                        author=Author.REPORTER,
                        today=today,
                        now=self.today,
                        batch_minutes=batch,
                    )

    async def _settle(self, before: datetime) -> None:
        """What fell due before `before` counts as sent: the past is not replayed. The
        authors of broadcasts sent so are told, as the dispatcher's round would."""
        await self._mark_sent(before)
        async with self.sessions.begin() as session:
            await DeliveryReports(self.translator)(session, self.clock())
        await self._mark_sent(before)

    async def _mark_sent(self, before: datetime) -> None:
        async with self.sessions.begin() as session:
            pending = (Delivery.state == DeliveryState.PENDING.value) & (
                Delivery.not_before < before
            )
            await session.execute(delete(Delivery).where(pending, Delivery.contact.is_not(None)))
            await session.execute(
                update(Delivery)
                .where(pending)
                .values(state=DeliveryState.SENT.value, sent_at=Delivery.not_before)
            )
