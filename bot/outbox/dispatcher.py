"""The outbox dispatcher: sends due deliveries as fast as Telegram allows (DESIGN sections 1, 5).

It uses its own Bot without PTB's rate limiter and paces itself: an overall rate (default 28/s,
under Telegram's ~30/s), at most one message per second to each chat, a bounded number in
flight. `RetryAfter` pauses everyone; Forbidden marks the member blocked; server errors and
timeouts are retried with backoff, and a delivery fails after `max_attempts`. Clock and sleep
are injectable so tests need not wait.

What can go out twice. Rows are claimed with a lease (`sending`, owner, until) before they are
sent, and outcomes are written in batches of `flush_every` (8). At no moment are more than
`Pacing.unrecorded` (16) deliveries sent but not recorded: before each send the dispatcher
waits until fewer are. When writing fails (the database restarts), it keeps the outcomes in
memory, in order, sends nothing more, tries again with backoff (0.25 s doubling up to 2 s) and
writes them as soon as the database is back; only then does it send again. So:
- a database outage shorter than the lease (default 5 minutes) repeats nothing;
- a crash, or a stop while the database is away, repeats at most those 16, after their lease;
- an outage longer than the lease: the rows are still this process's unless another process
  claimed them meanwhile; that one sends them again (at most the 16, as after a crash). The
  late write changes only rows this process still holds, or rows put back to waiting (the
  message did arrive): a newer claim's outcome stands. This process never starts sending a row
  whose lease is more than half over - it hands the rest of its batch back - and should a row
  it sent come back to it, it records it as sent instead of sending it again.

One rate budget for several processes. Telegram's limits are per bot, so the dispatchers of
`gwbot run` and `gwbot worker` send in turns: a row of `send_turns` names who may send and
until when. A dispatcher that finds due deliveries takes the turn with a conditional UPDATE
(only if it is its own or its time has passed), renews it while it sends (before half of
`Pacing.turn`, 10 s, is left) and gives it back when idle or stopped, with `until` set to when
its own pacing would allow the next message, so a 429 pause and a chat's second carry over.
A dispatcher that died loses the turn once `until` passes; the other one waits until then.
Why a row and not a PostgreSQL advisory lock: the lock lives in one connection, which the
process would have to keep out of the pool for its lifetime, and a database restart drops it
without a word; SQLite, which two processes may share as well, has no such lock. The row
survives restarts, says until when, works the same on both databases, and carries the pause.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from storage.models import DeliveryState
from storage.queries.outbox import (
    Claimed,
    Outcome,
    Turn,
    any_due,
    claim_due,
    forget_sealed,
    hand_back,
    held_elsewhere,
    mark_blocked,
    next_due,
    record_outcomes,
    release_turn,
    take_turn,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
# A claimer starts sending rows only in the first part of its lease, so a slow round never
# sends a row another process took over after the lease ran out.
LEASE_SHARE = 0.5
# While the database cannot be written: seconds before the first retry, doubling up to the
# cap, so what is kept is written within WRITE_RETRY_MAX of the database's return.
WRITE_RETRY_FIRST = 0.25
WRITE_RETRY_MAX = 2.0
# Runs in its own transaction after each round that sent something, e.g. to tell a broadcast's
# author that it is done. What it enqueues goes out in a later round.
RoundHook = Callable[[AsyncSession, datetime], Awaitable[object]]
# Drops due deliveries no longer needed, in the claim's transaction; returns how many.
ClaimHook = Callable[[AsyncSession, datetime], Awaitable[int]]
# Hears how each round of run_forever went: None, or what it failed with.
Watch = Callable[[Exception | None], Awaitable[None]]
FINAL = frozenset({DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.BLOCKED})


@dataclass(frozen=True)
class Pacing:
    rate: float = 28.0
    per_chat_seconds: float = 1.0
    in_flight: int = 16
    max_attempts: int = 5
    first_backoff: float = 2.0
    lease: timedelta = timedelta(minutes=5)
    batch: int = 200
    flush_every: int = 8
    # How long the turn to send lasts unless renewed: after a crash, the other process sends
    # from then on.
    turn: timedelta = timedelta(seconds=10)

    @property
    def unrecorded(self) -> int:
        """At most this many deliveries are sent but not yet recorded: what a crash, or a
        database outage longer than the lease, may send twice."""
        return 2 * self.flush_every


class IdleWatch:
    """Lets others wait until the dispatcher is idle: `wait()` returns once a round that began
    after the call found nothing due - so everything due by then was sent and recorded, and
    the round hooks (and what they queued) ran too. The tests wait for it instead of a fixed
    time; setting the dispatcher's `wake` makes that round come at once."""

    def __init__(self) -> None:
        self._waiting: list[asyncio.Future[None]] = []
        self._this_round: list[asyncio.Future[None]] = []

    def round_starts(self) -> None:
        self._this_round, self._waiting = self._waiting, []

    def round_ended(self, idle: bool) -> None:
        if idle:
            for future in self._this_round:
                if not future.done():
                    future.set_result(None)
        else:  # they wait for a round that finds nothing
            self._waiting[:0] = [f for f in self._this_round if not f.done()]
        self._this_round = []

    async def wait(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        await future


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        pacing: Pacing = Pacing(),
        owner: str | None = None,
        after_round: Sequence[RoundHook] = (),
        pace_clock: Clock | None = None,
        before_claim: Sequence[ClaimHook] = (),
        open_contact: Callable[[str], int] | None = None,
    ) -> None:
        self.sessions, self.bot, self.clock, self.sleep = sessions, bot, clock, sleep
        self.after_round = tuple(after_round)
        # Run in the claim's transaction, e.g. to drop reminders whose report arrived.
        self.before_claim = tuple(before_claim)
        # Pacing measures the time `sleep` lets pass; `clock` is the time deliveries fall due
        # by. They differ when a test moves the business clock by hand but sleeps for real.
        # The turn to send is in pacing time: it is about Telegram's seconds.
        self.pace_clock = pace_clock or clock
        self.pacing = pacing
        # Opens an anonymous reporter's sealed chat (the privacy key stays outside).
        self.open_contact = open_contact
        self.owner = owner or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self._next_slot: datetime | None = None
        self._next_in_chat: dict[int, datetime] = {}
        self._last_start: datetime | None = None
        self._paused_until: datetime | None = None
        # Not yet written, in order: outcomes, members who blocked the bot, claimed rows that
        # were not sent. Kept while the database cannot be written.
        self._pending: list[Outcome] = []
        self._blocked: set[int] = set()
        self._unsent: list[int] = []
        # Claimed deliveries to anonymous reporters: deleted once their outcome is final.
        self._sealed: set[int] = set()
        self._in_flight: set[asyncio.Task[None]] = set()
        # When the lease of this round's rows ends: outcomes written later may find a row
        # taken over by another claimer.
        self._lease_end: datetime | None = None
        # Rows this process sent whose outcome came after another claimer had taken them:
        # should one come back here, it is recorded as sent (message id), not sent again.
        self._sent_before: dict[int, int] = {}
        self._turn_until: datetime | None = None  # this dispatcher's turn to send
        self._turn_elsewhere: datetime | None = None  # another's, as last seen
        self._stop: asyncio.Event | None = None

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and send it; returns how many were claimed (none
        while another dispatcher has the turn to send)."""
        if not await self._record():  # what an earlier round could not write comes first
            return 0
        now = self.clock()
        claimed = await self._claim(now)
        if not claimed:
            return 0
        self._lease_end = now + self.pacing.lease
        # Rows whose lease ran out may already be another claimer's: never start sending one.
        stop_at = now + self.pacing.lease * LEASE_SHARE
        slots = asyncio.Semaphore(self.pacing.in_flight)
        for index, row in enumerate(claimed):
            if row.id in self._sent_before:
                message_id = self._sent_before.pop(row.id)
                self._pending.append(Outcome(row.id, DeliveryState.SENT, message_id=message_id))
                continue
            if row.contact is not None:
                self._sealed.add(row.id)
            row = self._unsealed(row)
            if row.chat_id is None or row.blocked:
                state = DeliveryState.BLOCKED if row.blocked else DeliveryState.FAILED
                self._pending.append(Outcome(row.id, state, error="no chat to send to"))
                continue
            if not await self._may_send(row.chat_id, stop_at, slots):
                self._unsent.extend(rest.id for rest in claimed[index:])
                break
            task = asyncio.create_task(self._send(row, slots))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        await self.settle()
        await self._record()
        for hook in self.after_round:
            async with self.sessions.begin() as session:
                await hook(session, self.clock())
        return len(claimed)

    def _unsealed(self, row: Claimed) -> Claimed:
        if row.contact is None or self.open_contact is None:
            return row
        try:
            return replace(row, chat_id=self.open_contact(row.contact))
        except ValueError:  # sealed with another key: nobody can be reached
            return row

    async def settle(self) -> None:
        """Wait for the sends in flight (tests let time pass only after them)."""
        await asyncio.gather(*list(self._in_flight))

    async def run_until_idle(self, horizon: timedelta = timedelta(0)) -> None:
        """Send everything due within `horizon` from now, sleeping until each falls due (or
        until another dispatcher's turn to send ends)."""
        until = self.clock() + horizon
        while True:
            if await self.run_once():
                continue
            async with self.sessions() as session:
                due = await next_due(session)
            if due is None or due > until:
                return
            wait = (due - self.clock()).total_seconds()
            if self._turn_elsewhere is not None:
                wait = max(wait, (self._turn_elsewhere - self.pace_clock()).total_seconds())
            await self.sleep(max(0.0, wait))

    async def run_forever(
        self,
        stop: asyncio.Event,
        poll_seconds: float = 1.0,
        wake: asyncio.Event | None = None,
        watch: Watch | None = None,
        idle: IdleWatch | None = None,
    ) -> None:
        """Send until `stop`; when idle, look again after `poll_seconds` or once `wake` is set
        (a handler in this process just enqueued something). Gives the turn back at the end.
        `watch` hears how each round went (None: it succeeded), for `gwbot status`; `idle`
        lets others wait for a round that finds nothing due."""
        self._stop = stop
        wake = wake or asyncio.Event()
        while not stop.is_set():
            wake.clear()
            if idle is not None:
                idle.round_starts()
            failure: Exception | None = None
            try:
                claimed = await self.run_once()
            except Exception as error:  # the loop must survive a database restart or a bad row
                log.exception("dispatcher round failed; trying again")
                claimed, failure = 0, error
            if watch is not None:
                await watch(failure)
            if idle is not None:
                idle.round_ended(not claimed and failure is None)
            if claimed:
                continue
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, wake)]
            await asyncio.wait(waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        await self._record()  # one last try, if something is still unwritten
        await self._give_turn_back()

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _claim(self, now: datetime) -> list[Claimed]:
        """Take the turn to send and claim a batch, if anything is due; when nothing is, give
        the turn back."""
        pace_now = self.pace_clock()
        wanted = max(pace_now + self.pacing.turn, self._turn_until or pace_now)
        turn: Turn | None = None
        claimed: list[Claimed] = []
        async with self.sessions.begin() as session:
            due = await any_due(session, now)
            # The hooks drop what is due and no longer needed: with nothing due they have
            # nothing to look at, and only what they dropped needs a second look.
            if due and self.before_claim:
                dropped = [await hook(session, now) for hook in self.before_claim]
                due = sum(dropped) == 0 or await any_due(session, now)
            if due:
                turn = await take_turn(session, self.owner, pace_now, wanted)
                if turn.mine:
                    claimed = await claim_due(
                        session, self.owner, now, now + self.pacing.lease, self.pacing.batch
                    )
            elif self._turn_until is not None:
                await release_turn(session, self.owner, self._free_from(pace_now))
        if turn is None:
            self._turn_until = self._turn_elsewhere = None
        elif turn.mine:
            self._turn_until, self._turn_elsewhere = turn.until, None
        else:
            self._turn_until, self._turn_elsewhere = None, turn.until
        return claimed

    async def _give_turn_back(self) -> None:
        if self._turn_until is None:
            return
        try:
            async with self.sessions.begin() as session:
                await release_turn(session, self.owner, self._free_from(self.pace_clock()))
        except Exception:
            log.warning("could not give the turn to send back; it lapses at %s", self._turn_until)
            return
        self._turn_until = None

    def _free_from(self, now: datetime) -> datetime:
        """When this dispatcher's own pacing would let it send the next message."""
        last_chat = (
            None
            if self._last_start is None
            else self._last_start + timedelta(seconds=self.pacing.per_chat_seconds)
        )
        return max(
            t for t in (now, self._next_slot, last_chat, self._paused_until) if t is not None
        )

    async def _may_send(self, chat_id: int, stop_at: datetime, slots: asyncio.Semaphore) -> bool:
        """Wait until a message to `chat_id` may go out: room among the unrecorded, a slot in
        flight, the pacing, the turn. False if this round has to end instead."""
        if not await self._make_room():
            return False
        await slots.acquire()
        start = self._start_for(chat_id)
        if not await self._hold_turn(start):
            slots.release()
            return False
        now = self.pace_clock()
        if start > now:
            await self.sleep((start - now).total_seconds())
        if self.clock() >= stop_at or self._stopping():
            if not self._stopping():
                log.warning("lease half over: the rest of this batch goes back to waiting")
            slots.release()
            return False
        self._next_slot = start + timedelta(seconds=1 / self.pacing.rate)
        self._next_in_chat[chat_id] = start + timedelta(seconds=self.pacing.per_chat_seconds)
        self._last_start = start
        return True

    def _start_for(self, chat_id: int) -> datetime:
        now = self.pace_clock()
        return max(
            t
            for t in (now, self._next_slot, self._next_in_chat.get(chat_id), self._paused_until)
            if t is not None
        )

    async def _make_room(self) -> bool:
        """Before another send: write outcomes in batches, and wait while `unrecorded`
        deliveries are sent but not recorded - which is all the time the database cannot be
        written. False if asked to stop meanwhile."""
        if len(self._pending) >= self.pacing.flush_every and not await self._record():
            return False
        while len(self._in_flight) + len(self._pending) >= self.pacing.unrecorded:
            if self._pending:
                if not await self._record():
                    return False
            else:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        return True

    async def _hold_turn(self, start: datetime) -> bool:
        """Make sure this dispatcher has the turn to send at `start`, renewing it in time; while
        the database cannot be reached, wait. False if another dispatcher has it by now (or
        this one is asked to stop)."""
        turn = self.pacing.turn
        # The next holder may send from `until` on: keep a chat's second apart from it.
        margin = min(timedelta(seconds=self.pacing.per_chat_seconds), turn / 4)
        failures = 0
        while self._turn_until is None or self._turn_until - start < turn / 2:
            now = self.pace_clock()
            try:
                async with self.sessions.begin() as session:
                    taken = await take_turn(session, self.owner, now, max(start, now) + turn)
            except Exception:
                if self._turn_until is not None and start + margin <= self._turn_until:
                    return True  # still this one's for now; renewed before the next send
                failures += 1
                if self._stopping():
                    return False
                await self._back_off("renew the turn to send", failures)
                continue
            if not taken.mine:
                log.warning("another dispatcher has the turn to send; this batch goes back")
                self._turn_until, self._turn_elsewhere = None, taken.until
                return False
            self._turn_until = taken.until
        return True

    async def _send(self, row: Claimed, slots: asyncio.Semaphore) -> None:
        try:
            self._pending.append(await self._attempt(row))
        finally:
            slots.release()

    async def _attempt(self, row: Claimed) -> Outcome:
        assert row.chat_id is not None
        try:
            message = await self.bot.send_message(
                row.chat_id,
                row.payload["text"],
                parse_mode=ParseMode.HTML,
                reply_markup=_markup(row.payload.get("buttons") or []),
            )
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            self._paused_until = self.pace_clock() + timedelta(seconds=wait)
            log.warning("flood limit: every delivery waits %.0f s", wait)
            return Outcome(
                row.id,
                DeliveryState.PENDING,
                not_before=self.clock() + timedelta(seconds=wait),
                error="flood limit",
                uncount_attempt=True,
            )
        except Forbidden as exc:
            if row.member_id is not None:
                self._blocked.add(row.member_id)
            return Outcome(row.id, DeliveryState.BLOCKED, error=str(exc))
        except BadRequest as exc:  # sending it again would fail the same way
            return Outcome(row.id, DeliveryState.FAILED, error=str(exc))
        except TelegramError as exc:
            if row.attempts >= self.pacing.max_attempts:
                return Outcome(row.id, DeliveryState.FAILED, error=str(exc))
            backoff = self.pacing.first_backoff * 2 ** (row.attempts - 1)
            retry_at = self.clock() + timedelta(seconds=backoff)
            return Outcome(row.id, DeliveryState.PENDING, not_before=retry_at, error=str(exc))
        return Outcome(row.id, DeliveryState.SENT, message_id=message.message_id)

    async def _record(self) -> bool:
        """Write what is kept so far, in order. While the database cannot be written, try
        again with backoff - nothing is sent meanwhile - and write it as soon as it is back.
        False if asked to stop first: then it stays unwritten, and after their lease those
        deliveries may be sent once more (at most `unrecorded`)."""
        failures = 0
        while self._pending or self._blocked or self._unsent:
            try:
                await self._write()
            except Exception:
                failures += 1
                if self._stopping():
                    log.error(
                        "stopping with %d outcomes unrecorded: they may be sent again",
                        len(self._pending),
                    )
                    return False
                await self._back_off(f"record {len(self._pending)} outcomes", failures)
        if failures:
            log.warning("outcomes recorded after %d failed tries; sending goes on", failures)
        return True

    async def _write(self) -> None:
        outcomes, unsent, blocked = self._pending[:], self._unsent[:], sorted(self._blocked)
        sent = [o.id for o in outcomes if o.state is DeliveryState.SENT]
        done = [o.id for o in outcomes if o.id in self._sealed and o.state in FINAL]
        # Only a late write can find a row that another claimer took over.
        late = self._lease_end is not None and self.clock() >= self._lease_end
        async with self.sessions.begin() as session:
            await record_outcomes(session, outcomes, self.owner, self.clock())
            elsewhere = set(await held_elsewhere(session, sent, self.owner)) if late else set()
            await hand_back(session, unsent, self.owner)
            await mark_blocked(session, blocked)
            await forget_sealed(session, done)
        # Sends may have added more meanwhile, always at the end.
        del self._pending[: len(outcomes)]
        del self._unsent[: len(unsent)]
        self._blocked.difference_update(blocked)
        self._sealed.difference_update([*done, *unsent])
        for outcome in outcomes:
            if outcome.id in elsewhere and outcome.message_id is not None:
                self._sent_before[outcome.id] = outcome.message_id

    async def _back_off(self, what: str, failures: int) -> None:
        delay = min(WRITE_RETRY_MAX, WRITE_RETRY_FIRST * 2 ** (failures - 1))
        log.warning(
            "could not %s (database away?); nothing is sent meanwhile, next try in %.2f s",
            what,
            delay,
            exc_info=failures == 1,
        )
        await self.sleep(delay)


def _markup(rows: list[list[dict[str, Any]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row] for row in rows]
    )


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
