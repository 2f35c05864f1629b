"""Recording how timed steps and the outbox dispatcher fared (storage.models.StepStatus)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StepStatus

KEY = ("process", "step")


def _insert(session: AsyncSession) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(StepStatus)
    return sqlite.insert(StepStatus)


async def record_successes(
    session: AsyncSession, process: str, steps: Sequence[str], now: datetime
) -> None:
    """These steps ran without an error at `now`: their run of failures ends."""
    if not steps:
        return
    insert = _insert(session)
    statement = insert.on_conflict_do_update(
        index_elements=KEY,
        set_={"last_success_at": insert.excluded.last_success_at, "failures": 0},
    )
    await session.execute(
        statement,
        [{"process": process, "step": s, "last_success_at": now, "failures": 0} for s in steps],
    )


async def record_failure(
    session: AsyncSession, process: str, step: str, kind: str, now: datetime
) -> int:
    """`step` failed at `now` with an error of `kind`; returns how many runs in a row failed."""
    insert = _insert(session)
    statement = (
        insert.values(process=process, step=step, last_error_at=now, last_error=kind, failures=1)
        .on_conflict_do_update(
            index_elements=KEY,
            set_={"last_error_at": now, "last_error": kind, "failures": StepStatus.failures + 1},
        )
        .returning(StepStatus.failures)
    )
    failures = await session.scalar(statement)
    assert failures is not None
    return int(failures)


async def claim_alert(
    session: AsyncSession, process: str, step: str, now: datetime, not_since: datetime
) -> bool:
    """Whether admins are to be told about `step` now: nobody told them since `not_since`, from
    any process. Claimed (the time noted) in the caller's transaction; on PostgreSQL the step's
    rows are locked first, so two processes failing at once tell them once."""
    rows = select(StepStatus.alerted_at).where(StepStatus.step == step)
    if session.get_bind().dialect.name == "postgresql":
        rows = rows.order_by(StepStatus.process).with_for_update()
    told = [at for at in (await session.scalars(rows)).all() if at is not None]
    if told and max(told) > not_since:
        return False
    await session.execute(
        update(StepStatus)
        .where(StepStatus.process == process, StepStatus.step == step)
        .values(alerted_at=now)
    )
    return True


async def all_steps(session: AsyncSession) -> list[StepStatus]:
    rows = await session.scalars(select(StepStatus).order_by(StepStatus.process, StepStatus.step))
    return list(rows.all())
