"""Watching timed work: what each run of a timed step (and the outbox dispatcher) came to is
kept per process kind (`run`, `worker`); a step that failed FAILING_AFTER times in a row is
reported to the admins, at most once every ALERT_EVERY, whichever process sees it; `gwbot
status` reads it all back.

Only an error's kind (its class) is kept and told, never its message: that may quote rows or
requests. The traceback is in the log of the process where it happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import Messages, enqueue
from bot.services.placement import Placement
from storage.models import Delivery, DeliveryState, Member, Role, Signal, SignalStatus, StepStatus
from storage.queries.step_status import all_steps, claim_alert, record_failure, record_successes

# Three runs in a row: a passing hiccup (a deadlock, a database restart) fails one, perhaps
# two; with the tick every 30 s the admins hear of a lasting fault within two minutes.
FAILING_AFTER = 3
ALERT_EVERY = timedelta(days=1)
DISPATCHER = "dispatcher"
# A dispatcher writes its heartbeat about once a minute (bot.outbox.worker): one silent for longer
# than this has stopped, or its process has.
DISPATCHER_SILENT = timedelta(minutes=5)
# Records nobody wrote for this long are of a process kind that no longer runs (a worker
# taken down): shown, but no reason to fail.
FORGOTTEN = timedelta(days=1)
KIND_LENGTH = 120
# The step's name and how many runs in a row failed -> the alert in each language.
AlertMessages = Callable[[str, int], Messages]


@dataclass(frozen=True)
class StepOutcome:
    step: str
    # The kind of error it failed with; None: it succeeded.
    error: str | None = None


def error_kind(error: BaseException) -> str:
    """One line that says what went wrong without quoting anything: the class, and for a
    database error the driver's class it wraps."""
    kind = type(error).__name__
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        kind = f"{kind} ({type(orig).__name__})"
    return kind[:KIND_LENGTH]


async def record(
    session: AsyncSession, process: str, outcomes: Sequence[StepOutcome], now: datetime
) -> dict[str, int]:
    """Keep what the steps' runs came to; returns the steps failing FAILING_AFTER times or
    more in a row, with that count."""
    await record_successes(session, process, [o.step for o in outcomes if o.error is None], now)
    failing: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.error is None:
            continue
        failures = await record_failure(session, process, outcome.step, outcome.error, now)
        if failures >= FAILING_AFTER:
            failing[outcome.step] = failures
    return failing


async def alert_admins(
    session: AsyncSession,
    process: str,
    step: str,
    failures: int,
    now: datetime,
    render: AlertMessages,
) -> int:
    """Tell the admins that `step` keeps failing, unless they were told within ALERT_EVERY;
    returns how many deliveries were queued. As soon as their quiet hours allow."""
    if not await claim_alert(session, process, step, now, now - ALERT_EVERY):
        return 0
    admins = await session.scalars(
        select(Member.id).where(Member.active.is_(True), Member.role == Role.ADMIN.value)
    )
    return await enqueue(
        session,
        member_ids=list(admins),
        kind="step_failing",
        messages=render(step, failures),
        placement=Placement.MEETING,
        wanted=now,
    )


@dataclass(frozen=True)
class Health:
    steps: list[StepStatus]
    pending: int
    due: int
    failed: int
    open_signals: int


def failed_last(status: StepStatus) -> bool:
    return status.last_error_at is not None and (
        status.last_success_at is None or status.last_error_at > status.last_success_at
    )


def last_seen(status: StepStatus) -> datetime | None:
    times = [t for t in (status.last_success_at, status.last_error_at) if t is not None]
    return max(times, default=None)


def problems(steps: Sequence[StepStatus], now: datetime) -> list[str]:
    """What is failing: steps (the dispatcher too) whose last run failed, and no dispatcher
    that succeeded within DISPATCHER_SILENT; each as one line."""
    found = []
    for status in steps:
        seen = last_seen(status)
        if failed_last(status) and seen is not None and seen > now - FORGOTTEN:
            found.append(f"{status.process}/{status.step}: its last run failed")
    recent = now - DISPATCHER_SILENT
    if not any(
        s.step == DISPATCHER and s.last_success_at is not None and s.last_success_at > recent
        for s in steps
    ):
        minutes = int(DISPATCHER_SILENT.total_seconds() // 60)
        found.append(f"no outbox dispatcher succeeded in the last {minutes} minutes")
    return found


async def health(session: AsyncSession, now: datetime) -> Health:
    """Everything `gwbot status` shows besides the schema."""
    pending = await _count(
        session,
        Delivery.state.in_([DeliveryState.PENDING.value, DeliveryState.SENDING.value]),
    )
    due = await _count(
        session, Delivery.state == DeliveryState.PENDING.value, Delivery.not_before <= now
    )
    failed = await _count(session, Delivery.state == DeliveryState.FAILED.value)
    signals = await session.scalar(
        select(func.count()).select_from(Signal).where(Signal.status == SignalStatus.OPEN.value)
    )
    return Health(await all_steps(session), pending, due, failed, int(signals or 0))


async def _count(session: AsyncSession, *where: object) -> int:
    found = await session.scalar(
        select(func.count()).select_from(Delivery).where(*where)  # type: ignore[arg-type]
    )
    return int(found or 0)
