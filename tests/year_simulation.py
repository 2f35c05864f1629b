"""A year in the life of the demo initiative (bot.demo.year), on a virtual clock: the plan's events
through the services, the timed steps as production runs them (bot.scheduling.jobs.TimedSteps), the
outbox dispatcher delivering to the fake Bot API. What happened is kept in `Observations` for
tests/test_year.py to check, one invariant per test.

When the steps run. Production ticks every 30 s; a year of that is a million ticks. Here the
tick runs once a day at 10:05 local time, plus a minute after each concern's batch ends:
- every timed step looks at the database and catches up whatever came due since its last
  run, so a coarser rhythm only makes things later, never lost. The demo members' reminder
  hours are 8 to 10 and their quiet hours end by 9, so 10:05 is every member's reminder moment
  of the day (a reminder caught up later that day is sent as production would); meetings,
  digests, surveys and signals fire at the next tick, their deliveries placed as usual;
- a concern is announced by the tick just after its batch ends, which is what "announced
  within its batch interval" needs; production's 30-second tick does no better;
- the overdue summary gets one chance a day here, fewer than production's; a second daily
  tick doubled the time of a run (see the cost below), so its "at most once a day" rests on
  the concern ticks that fall on the same day as a daily one;
- the dispatcher is not coarse: between two moments it sleeps (virtually) until each delivery
  falls due and sends it then, so `sent_at` is when a member would have received it.
/melden is looked at every Monday for every organisation with a member.

Cost (2 cores, SQLite): a tick of the demo initiative takes about 0.2 s, an /melden overview
about 9 ms, a delivery to the fake Bot API about 2 ms; January alone has ~6,000 deliveries.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import re
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.config import DatabaseSettings
from bot.config.sections import PrivacySettings, SignalSettings
from bot.demo import year
from bot.i18n import Translator
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.worker import round_hooks
from bot.scheduling.hooks import schedule_hooks
from bot.scheduling.jobs import RUN, TimedSteps, TimedWork
from bot.services.agenda.agenda import load_agenda
from bot.services.broadcast import broadcasts
from bot.services.concern.buffer import ConcernBuffer
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.services.members import MemberInfo, find_member
from bot.services.missing import completeness
from bot.services.obligations import (
    ensure_obligations,
    organisation_of,
    owing_organisations,
)
from bot.services.outbox import local_zone, visible_length
from bot.services.placement import Preferences
from bot.services.reminders.withdrawal import drop_settled_reminders
from bot.services.report import menu as report_menu
from handlers.pulse.flow import PulseBuffer
from handlers.pulse.texts import dropped_notices
from storage.engine import make_engine, make_sessionmaker
from storage.models import ClosedPeriod, Delivery, Indicator, Member, Obligation, Organisation
from storage.queries.obligations import missing
from storage.queries.outbox import next_due
from tests.clock import FakeClock
from tests.fake_telegram import FakeTelegram, InProcessRequest
from tests.statements import Work, counting

T = TypeVar("T")
SEED = 1
ZONE = year.ZONE
TICKS = ((10, 5),)
MELDEN_AT = (10, 5)
FIRST_DAY = date(year.YEAR, 1, 1)
LAST_DAY = date(year.YEAR, 12, 31)
# Days whose work is compared: a Tuesday late in month 2 and in month 12, 42 weeks apart, so
# the fortnightly steering meeting falls on both and the weekly rhythm is the same; no
# monthly, quarterly or yearly report falls due on either.
EARLY, LATE = date(year.YEAR, 2, 24), date(year.YEAR, 12, 15)
# Only these may arrive in quiet hours (DESIGN section 5, issue 23).
AT_ONCE = frozenset({broadcasts.KIND, completeness.NUDGE_KIND})
TICKET = re.compile(r"#([0-9A-Z]{6,})")
TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"


@dataclass
class Observations:
    database: str
    seconds: float = 0.0
    ticks: int = 0
    events: int = 0
    delivered: int = 0
    # Each a sentence saying what broke on which day.
    step_errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    oversized: list[str] = field(default_factory=list)
    in_quiet_hours: list[str] = field(default_factory=list)
    concerns: int = 0
    concerns_late: list[str] = field(default_factory=list)
    melden_checks: int = 0
    melden_missing: list[str] = field(default_factory=list)
    summaries: Counter[tuple[str, date]] = field(default_factory=Counter)
    # (what, month) -> work: "melden", "agenda", "tick" in EARLY's and LATE's month.
    work: dict[tuple[str, int], Work] = field(default_factory=dict)


async def offered(
    session: AsyncSession, organisation_id: int, viewer: MemberInfo, now: datetime
) -> set[tuple[int, str]]:
    """What /melden offers on its first page, one tap away, as (indicator id, period)."""
    found = await report_menu.menu(session, organisation_id, viewer, now, with_recent=False)
    return {(item.indicator_id, item.period) for item in found.items}


async def current_periods(
    session: AsyncSession, organisation_id: int
) -> dict[int, tuple[str, str]]:
    """Per indicator with anything open for a partner (owed, unreported, not in a closed
    period): its latest open period, as (indicator code, period). Read straight from the
    tables, apart from /melden's own queries."""
    rows = await session.execute(
        select(Obligation.indicator_id, Indicator.code, Obligation.period, Obligation.period_start)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(
            Obligation.organisation_id == organisation_id,
            Indicator.active,
            missing(),
            Obligation.period.not_in(select(ClosedPeriod.period)),
        )
    )
    latest: dict[int, tuple[str, str, date]] = {}
    for indicator_id, code, period, start in rows:
        known = latest.get(indicator_id)
        if known is None or start > known[2]:
            latest[indicator_id] = (code, period, start)
    return {indicator: (code, period) for indicator, (code, period, _) in latest.items()}


class StepErrors(logging.Handler):
    """Errors the timed steps log, with the virtual time they happened at."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(logging.ERROR)
        self.clock = clock
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        what = f"{type(error).__name__}: {error}" if error else ""
        self.seen.append(f"{_local(self.clock())}: {record.getMessage()} {what}".strip())


def _local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def _at(day: date, hour_minute: tuple[int, int]) -> datetime:
    return year._local(day, *hour_minute)


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on an event loop of its own (the module's simulation is set up from a sync
    fixture, shared by the tests that check it)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Year:
    def __init__(self, database: DatabaseSettings, label: str, directory: Path) -> None:
        self.database, self.directory = database, directory
        self.observed = Observations(label)
        self.clock = FakeClock(year.APPLIED_AT)
        self.translator = Translator("de")
        self.privacy = PrivacySettings(key=_privacy_key())
        self.initiative = year.initiative(SEED)
        self._moments: list[tuple[datetime, int, str, Any]] = []
        self._order = itertools.count()
        self._last_delivery = 0
        # Delivery id -> (virtual time it was queued, its kind), for what is checked by when.
        self._queued: dict[int, datetime] = {}
        self._concerns: list[tuple[str, datetime, str]] = []
        self._announced: dict[str, datetime] = {}

    def _push(self, at: datetime, kind: str, payload: Any = None) -> None:
        heapq.heappush(self._moments, (at, next(self._order), kind, payload))

    async def run(self) -> Observations:
        started = time.perf_counter()
        # Durability against power loss is not what a year is about: commits need not wait
        # for the disk (PostgreSQL: synchronous_commit is off for the database, see the test).
        engine = make_engine(
            self.database.url, schema=self.database.schema_name, sqlite_synchronous="OFF"
        )
        self.engine = engine
        sessions = make_sessionmaker(engine)
        self.sessions = sessions
        handler = StepErrors(self.clock)
        jobs_log = logging.getLogger("bot.scheduling.jobs")
        jobs_log.addHandler(handler)
        try:
            async with FakeTelegram(token=TOKEN) as fake:
                await self._simulate(fake, sessions)
                await self._check(fake)
        finally:
            jobs_log.removeHandler(handler)
            await engine.dispose()
        self.observed.step_errors = handler.seen
        self.observed.seconds = time.perf_counter() - started
        return self.observed

    async def _simulate(
        self, fake: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        path = self.directory / "initiative.toml"
        path.write_text(year.build_initiative(SEED), encoding="utf-8")
        async with sessions.begin() as session:
            await apply_initiative(session, load_initiative_file(path))
        for member in self.initiative.members:
            first, _, last = member.name.partition(" ")
            fake.user(user_id=member.telegram_id, first_name=first, last_name=last,
                      language_code=member.language)  # fmt: skip
        # What `gwbot run` registers at start-up (bot.app, bot.outbox.worker).
        concern_buffer = ConcernBuffer(sessions)
        pulse_buffer = PulseBuffer(
            sessions, self.privacy.privacy_key(), dropped_notices(self.translator), self.clock
        )
        steps = TimedSteps(
            TimedWork.of(RUN, sessions, self.clock, self.translator, self.privacy,
                         schedule_hooks(self.translator, self.privacy, SignalSettings()),
                         concern_buffer, pulse_buffer)
        )  # fmt: skip
        world = year.World(
            sessions, self.translator, self.privacy.privacy_key(), concern_buffer.waiting,
            self.privacy.concern_batch_minutes, SEED,
        )  # fmt: skip
        for item in year.plan(SEED):
            self._push(item.at, "event", item)
        day = FIRST_DAY
        while day <= LAST_DAY:
            for hour_minute in TICKS:
                self._push(_at(day, hour_minute), "tick", hour_minute == MELDEN_AT)
            day += timedelta(days=1)
        dispatcher: Dispatcher | None = None

        async def sleep(seconds: float) -> None:
            assert dispatcher is not None
            await dispatcher.settle()
            self.clock.advance(seconds=seconds)

        # The fake enforces Telegram's rate limits on the virtual clock the dispatcher keeps.
        # Calls reach it in-process: over HTTP, the round trip was a third of the year's time.
        request = InProcessRequest(fake)
        async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
            dispatcher = Dispatcher(
                sessions, bot, self.clock, sleep,
                after_round=round_hooks(self.translator),
                before_claim=[drop_settled_reminders],
                open_contact=lambda token: self.privacy.privacy_key().open_contact(token)[0],  # type: ignore[union-attr]
            )  # fmt: skip
            while self._moments:
                at, _, kind, payload = heapq.heappop(self._moments)
                self.clock.now = max(self.clock.now, at)
                if kind == "event":
                    applied = await year.apply(world, payload)
                    self.observed.events += 1
                    if applied.opened is not None:
                        batch = applied.opened.batch_at
                        self._concerns.append((applied.opened.ticket, batch, _local(at)))
                        self._push(batch + timedelta(minutes=1), "tick", False)
                else:
                    await self._tick(steps, payload)
                due = await self._note_queued()
                until = self._moments[0][0] if self._moments else self.clock()
                # Most moments queue nothing due before the next one: the dispatcher's own
                # question answers that in one statement instead of a round.
                if due is not None and due <= until:
                    await dispatcher.run_until_idle(max(until - self.clock(), timedelta(0)))
        await self._note_queued()

    async def _tick(self, steps: TimedSteps, look: bool) -> None:
        now = self.clock()
        today = now.astimezone(ZONE).date()
        measured = today in (EARLY, LATE) and look
        work = Work()
        with counting(self.engine, work) if measured else _nothing():
            await steps.tick()
        self.observed.ticks += 1
        if look and today.weekday() == 0:
            await self._look_at_melden(today)
        if measured:
            self.observed.work[("tick", today.month)] = work
            await self._measure(today.month)

    async def _look_at_melden(self, today: date) -> None:
        """Every organisation with a member: /melden must offer each indicator's latest open
        period (the current one, or the most recent due)."""
        now = self.clock()
        async with self.sessions() as session:
            for organisation, viewer in await self._viewers(session):
                expected = await current_periods(session, organisation)
                shown = await offered(session, organisation, viewer, now)
                self.observed.melden_checks += 1
                for indicator_id, (code, period) in sorted(expected.items()):
                    if (indicator_id, period) not in shown:
                        self.observed.melden_missing.append(
                            f"{today}: /melden of {viewer.organisation_code} does not offer"
                            f" {code} {period}"
                        )

    async def _viewers(self, session: AsyncSession) -> list[tuple[int, MemberInfo]]:
        rows = await session.execute(
            select(Member.organisation_id, Member.telegram_id)
            .join(Organisation, Organisation.id == Member.organisation_id)
            .where(Member.active, Member.role == "partner")
            .order_by(Member.organisation_id, Member.id)
        )
        viewers: dict[int, MemberInfo] = {}
        for organisation_id, telegram_id in rows:
            if organisation_id not in viewers:
                found = await find_member(session, telegram_id)
                assert found is not None
                viewers[organisation_id] = found
        return sorted(viewers.items())

    async def _measure(self, month: int) -> None:
        """The work of /melden (what handlers/report/flow.py runs for a partner of an organisation
        that never reports, whose open items grow all year) and of /agenda."""
        joined = {m.organisation for m in self.initiative.members}
        laggard = next(
            o.code
            for o in self.initiative.organisations[1:]
            if o.behaviour == "never" and o.code in joined
        )
        member = next(m for m in self.initiative.members if m.organisation == laggard)
        async with self.sessions() as session:
            viewer = await find_member(session, member.telegram_id)
        assert viewer is not None
        now = self.clock()
        melden, agenda = Work(), Work()
        with counting(self.engine, melden):
            async with self.sessions.begin() as session:
                await ensure_obligations(session, now)
                own = await organisation_of(session, viewer.organisation_code)
                await owing_organisations(session)
            async with self.sessions() as session:
                await report_menu.menu(session, own, viewer, now)
                await local_zone(session)
        with counting(self.engine, agenda):
            async with self.sessions() as session:
                await load_agenda(session, "de")
        self.observed.work[("melden", month)] = melden
        self.observed.work[("agenda", month)] = agenda

    async def _note_queued(self) -> datetime | None:
        """Stamp deliveries queued since the last look with the virtual time (their
        `created_at` is the real time); returns when the next delivery falls due."""
        async with self.sessions() as session:
            due = await next_due(session)
            rows = (
                await session.execute(
                    select(Delivery.id, Delivery.kind, Delivery.member_id, Delivery.payload)
                    .where(Delivery.id > self._last_delivery)
                    .order_by(Delivery.id)
                )
            ).all()
            if rows:
                names = dict((await session.execute(select(Member.id, Member.display_name))).all())
        now = self.clock()
        for delivery_id, kind, member_id, payload in rows:
            self._last_delivery = delivery_id
            self._queued[delivery_id] = now
            if kind == "escalation" and member_id is not None:
                self.observed.summaries[(names[member_id], now.astimezone(ZONE).date())] += 1
            if kind == "concern_batch":
                for ticket in TICKET.findall(str(payload.get("text", ""))):
                    self._announced.setdefault(ticket, now)
        return due

    async def _check(self, fake: FakeTelegram) -> None:
        """What can only be judged at the end: where deliveries landed, what the fake Bot API
        refused, when each concern was announced."""
        observed = self.observed
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    Delivery.id, Delivery.kind, Delivery.state, Delivery.sent_at,
                    Delivery.last_error, Member.display_name, Member.quiet_start, Member.quiet_end,
                ).join(Member, Member.id == Delivery.member_id)
            )  # fmt: skip
            for delivery_id, kind, state, sent_at, error, name, start, end in rows:
                queued = self._queued.get(delivery_id)
                day = _local(queued) if queued else "?"
                if state == "failed":
                    observed.refused.append(f"{day}: {kind} to {name} failed: {error}")
                if sent_at is None:
                    continue
                observed.delivered += 1
                hour = sent_at.astimezone(ZONE).hour
                if kind not in AT_ONCE and Preferences(9, start, end).quiet_at(hour):
                    observed.in_quiet_hours.append(
                        f"{_local(sent_at)}: {kind} (queued {day}) to {name}, quiet from"
                        f" {start}:00 to {end}:00"
                    )
        for call in fake.calls_to("sendMessage"):
            text, markup = call.params.get("text", ""), call.params.get("reply_markup") or {}
            buttons = sum(len(row) for row in markup.get("inline_keyboard", []))
            # Telegram counts the text as shown, without its HTML tags.
            length = visible_length(str(text))
            if length > 4096 or buttons > 100:
                observed.oversized.append(
                    f"a message of {length} characters and {buttons} buttons was sent"
                )
            if call.response and not call.response.get("ok", True):
                observed.refused.append(
                    f"the fake Bot API refused a message: {call.response.get('description')}"
                )
        interval = timedelta(minutes=self.privacy.concern_batch_minutes)
        observed.concerns = len(self._concerns)
        for ticket, batch, raised in self._concerns:
            announced = self._announced.get(ticket)
            if announced is None or not batch <= announced < batch + interval:
                when = "never" if announced is None else _local(announced)
                observed.concerns_late.append(
                    f"concern #{ticket} raised {raised}, batch ending {_local(batch)}: announced"
                    f" {when}"
                )


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _privacy_key() -> str:
    from tests.conftest import TEST_PRIVACY_KEY

    return TEST_PRIVACY_KEY
