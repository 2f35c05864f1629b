"""The outbox dispatcher: sends due deliveries as fast as Telegram allows (DESIGN sections 1, 5).

It uses its own Bot without PTB's rate limiter and paces itself: an overall rate (default 28/s,
under Telegram's ~30/s), at most one message per second to each chat, a bounded number in
flight. `RetryAfter` pauses everyone; Forbidden marks the member blocked; server errors and
timeouts are retried with backoff, and a delivery fails after `max_attempts`.

Rows are claimed with a lease (`sending`, owner, until) before sending and their outcome is
written in small batches, so after a crash only deliveries sent but not yet recorded can go
out twice - at most twice `flush_every` - and rows of a dead claimer are taken over when
their lease ends. Clock and sleep are injectable so tests need not wait.
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
    claim_due,
    forget_sealed,
    mark_blocked,
    next_due,
    record_outcomes,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
# A claimer starts sending rows only in the first part of its lease, so a slow round never
# sends a row another process took over after the lease ran out.
LEASE_SHARE = 0.5
# Runs in its own transaction after each round that sent something, e.g. to tell a broadcast's
# author that it is done. What it enqueues goes out in a later round.
RoundHook = Callable[[AsyncSession, datetime], Awaitable[object]]
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
        before_claim: Sequence[RoundHook] = (),
        open_contact: Callable[[str], int] | None = None,
    ) -> None:
        self.sessions, self.bot, self.clock, self.sleep = sessions, bot, clock, sleep
        self.after_round = tuple(after_round)
        # Run in the claim's transaction, e.g. to drop reminders whose report arrived.
        self.before_claim = tuple(before_claim)
        # Pacing measures the time `sleep` lets pass; `clock` is the time deliveries fall due
        # by. They differ when a test moves the business clock by hand but sleeps for real.
        self.pace_clock = pace_clock or clock
        self.pacing = pacing
        # Opens an anonymous reporter's sealed chat (the privacy key stays outside).
        self.open_contact = open_contact
        self.owner = owner or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self._next_slot: datetime | None = None
        self._next_in_chat: dict[int, datetime] = {}
        self._paused_until: datetime | None = None
        self._pending: list[Outcome] = []
        self._blocked: set[int] = set()
        # Claimed deliveries to anonymous reporters: deleted once their outcome is final.
        self._sealed: set[int] = set()
        self._in_flight: set[asyncio.Task[None]] = set()
        # Bounds what was sent but not yet recorded, i.e. what a crash could send twice.
        self._unrecorded = asyncio.Semaphore(2 * pacing.flush_every)

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and send it; returns how many were claimed."""
        now = self.clock()
        async with self.sessions.begin() as session:
            for hook in self.before_claim:
                await hook(session, now)
            claimed = await claim_due(
                session, self.owner, now, now + self.pacing.lease, self.pacing.batch
            )
        if not claimed:
            return 0
        slots = asyncio.Semaphore(self.pacing.in_flight)
        # Rows whose lease ran out may already be another claimer's: never start sending one.
        # Those left over stay `sending` until the lease passes, then anyone takes them.
        stop_at = now + self.pacing.lease * LEASE_SHARE
        for row in claimed:
            if self.clock() >= stop_at:
                log.warning("lease nearly over: the rest of this batch is left to the next round")
                break
            await self._unrecorded.acquire()
            if row.contact is not None:
                self._sealed.add(row.id)
            row = self._unsealed(row)
            if row.chat_id is None or row.blocked:
                state = DeliveryState.BLOCKED if row.blocked else DeliveryState.FAILED
                await self._done(Outcome(row.id, state, error="no chat to send to"))
                continue
            await slots.acquire()
            await self._wait_for_slot(row.chat_id)
            task = asyncio.create_task(self._send(row, slots))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        await self.settle()
        await self._flush()
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
        """Send everything due within `horizon` from now, sleeping until each falls due."""
        until = self.clock() + horizon
        while True:
            if await self.run_once():
                continue
            async with self.sessions() as session:
                due = await next_due(session)
            if due is None or due > until:
                return
            await self.sleep(max(0.0, (due - self.clock()).total_seconds()))

    async def run_forever(
        self, stop: asyncio.Event, poll_seconds: float = 1.0, wake: asyncio.Event | None = None
    ) -> None:
        """Send until `stop`; when idle, look again after `poll_seconds` or once `wake` is set
        (a handler in this process just enqueued something)."""
        wake = wake or asyncio.Event()
        while not stop.is_set():
            wake.clear()
            try:
                if await self.run_once():
                    continue
            except Exception:  # the loop must survive a database restart or a bad row
                log.exception("dispatcher round failed; trying again")
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, wake)]
            await asyncio.wait(waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _wait_for_slot(self, chat_id: int) -> None:
        now = self.pace_clock()
        start = max(
            t
            for t in (now, self._next_slot, self._next_in_chat.get(chat_id), self._paused_until)
            if t is not None
        )
        if start > now:
            await self.sleep((start - now).total_seconds())
        self._next_slot = start + timedelta(seconds=1 / self.pacing.rate)
        self._next_in_chat[chat_id] = start + timedelta(seconds=self.pacing.per_chat_seconds)

    async def _send(self, row: Claimed, slots: asyncio.Semaphore) -> None:
        try:
            await self._done(await self._attempt(row))
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

    async def _done(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        if len(self._pending) >= self.pacing.flush_every:
            await self._flush()

    async def _flush(self) -> None:
        outcomes, self._pending = self._pending, []
        blocked, self._blocked = sorted(self._blocked), set()
        done = [o.id for o in outcomes if o.id in self._sealed and o.state in FINAL]
        self._sealed.difference_update(done)
        if not outcomes and not blocked:
            return
        try:
            async with self.sessions.begin() as session:
                await record_outcomes(session, outcomes, self.owner, self.clock())
                await mark_blocked(session, blocked)
                await forget_sealed(session, done)
        finally:
            for _ in outcomes:
                self._unrecorded.release()


def _markup(rows: list[list[dict[str, Any]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row] for row in rows]
    )


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
