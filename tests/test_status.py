"""`gwbot status` and what it reads (issue 23): each timed step's and the dispatcher's last
success and error per process kind, kept without user data; a step failing three runs in a row
reaches the admins at most once a day, whichever process fails it; the exit code says whether
something is failing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.cli.status import status_command
from bot.config import DatabaseSettings, Settings
from bot.services import step_health
from bot.services.outbox import OutgoingMessage, enqueue
from bot.services.placement import Placement
from bot.services.step_health import StepOutcome, error_kind
from storage.migrate import head_revision, upgrade_database
from storage.models import Delivery, Role, Signal, StepStatus
from tests.factories import add_member

NOW = datetime(2026, 12, 8, 10, 30, tzinfo=UTC)
STEPS = ("schedules", "reporting_reminders", "concern_notices")


def alert(step: str, failures: int) -> dict[str, OutgoingMessage]:
    return {
        "de": OutgoingMessage(text=f"{step} schlägt fehl"),
        "en": OutgoingMessage(text=f"{step} keeps failing"),
    }


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    failed: dict[str, str],
    process: str = "run",
) -> int:
    """One tick's record, as bot.scheduling.jobs keeps it; returns how many alerts were queued."""
    outcomes = [StepOutcome(step, failed.get(step)) for step in STEPS]
    async with sessions.begin() as session:
        failing = await step_health.record(session, process, outcomes, now)
    queued = 0
    for step, failures in failing.items():
        async with sessions.begin() as session:
            queued += await step_health.alert_admins(session, process, step, failures, now, alert)
    return queued


async def alerts(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int | None, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Delivery.member_id, Delivery.payload).where(Delivery.kind == "step_failing")
        )
        return [(member, payload["text"]) for member, payload in rows.all()]


async def test_a_step_failing_three_times_in_a_row_reaches_the_admins_once_a_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ada = await add_member(sessions, 1, name="Ada Adler", role=Role.ADMIN, language="de")
    eve = await add_member(sessions, 2, name="Eve Evans", role=Role.ADMIN, language="en")
    await add_member(sessions, 3, name="Clara Koch", role=Role.COORDINATOR)
    broken = {"schedules": "ValueError"}
    # Twice, then a success: no pattern; the count starts again.
    assert await tick(sessions, NOW, broken) == 0
    assert await tick(sessions, NOW + timedelta(seconds=30), broken) == 0
    assert await tick(sessions, NOW + timedelta(seconds=60), {}) == 0
    for i in range(2, 4):
        assert await tick(sessions, NOW + timedelta(seconds=30 * i), broken) == 0
    # The third failure in a row: each admin, in their language; nobody else.
    assert await tick(sessions, NOW + timedelta(minutes=2), broken) == 2
    assert sorted(await alerts(sessions)) == [
        (ada.id, "schedules schlägt fehl"),
        (eve.id, "schedules keeps failing"),
    ]
    # The worker fails the same step: the admins were told already.
    for i in range(3):
        assert await tick(sessions, NOW + timedelta(minutes=3 + i), broken, "worker") == 0
    # Failing on for almost a day: nothing more; a day after the alert: once more.
    assert await tick(sessions, NOW + timedelta(hours=23, minutes=59), broken) == 0
    assert await tick(sessions, NOW + timedelta(days=1, minutes=3), broken) == 2
    assert len(await alerts(sessions)) == 4


async def test_the_record_keeps_the_kind_of_error_never_its_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # A database error quotes the statement and the rows' values: names, what people wrote.
    error = IntegrityError(
        "INSERT INTO members (display_name) VALUES (?)",
        ("Anna Berger",),
        ValueError("UNIQUE constraint failed: Anna Berger"),
    )
    assert error_kind(error) == "IntegrityError (ValueError)"
    async with sessions.begin() as session:
        await step_health.record(session, "run", [StepOutcome("schedules", error_kind(error))], NOW)
    async with sessions() as session:
        (row,) = (await session.scalars(select(StepStatus))).all()
    stored = " ".join(str(value) for value in vars(row).values())
    assert "Anna" not in stored and "INSERT" not in stored
    assert row.last_error == "IntegrityError (ValueError)" and row.failures == 1


async def record_healthy(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    async with sessions.begin() as session:
        outcomes = [StepOutcome(step) for step in (*STEPS, "dispatcher")]
        await step_health.record(session, "run", outcomes, now)


@pytest.fixture
def settings(database: DatabaseSettings) -> Settings:
    return Settings(database=database)


async def test_status_healthy_and_failing(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    anna = await add_member(sessions, 1)
    async with sessions.begin() as session:
        await enqueue(
            session,
            member_ids=[anna.id],
            kind="broadcast",
            messages={"de": OutgoingMessage(text="Hallo")},
            placement=Placement.IMMEDIATE,
            wanted=NOW,
        )
        session.add(Signal(kind="reporting", reason_code="late", opened_on=date(2026, 12, 1)))
    await record_healthy(sessions, NOW - timedelta(minutes=1))

    assert await status_command(settings, lambda: NOW) == 0
    out = capsys.readouterr().out
    assert f"schema   {head_revision()} (head {head_revision()})" in out
    assert "outbox   1 pending (1 due now), 0 failed" in out
    assert "signals  1 open" in out
    assert "run      schedules              2026-12-08 10:29:00Z  -" in out
    assert out.rstrip().endswith("OK")

    # A step whose last run failed.
    async with sessions.begin() as session:
        await step_health.record(
            session, "run", [StepOutcome("schedules", "ValueError")], NOW - timedelta(seconds=30)
        )
    assert await status_command(settings, lambda: NOW) == 1
    out = capsys.readouterr().out
    assert "2026-12-08 10:29:30Z ValueError  <- failing (once)" in out
    assert "FAILING: run/schedules: its last run failed" in out

    # It works again, but no dispatcher was heard of for ten minutes: the process is gone.
    await record_healthy(sessions, NOW - timedelta(minutes=10))
    async with sessions.begin() as session:
        await step_health.record(session, "run", [StepOutcome("schedules")], NOW)
    assert await status_command(settings, lambda: NOW) == 1
    assert "no outbox dispatcher succeeded in the last 5 minutes" in capsys.readouterr().out

    # A worker that failed and was taken down days ago does not keep the status failing.
    await record_healthy(sessions, NOW)
    async with sessions.begin() as session:
        failed = [StepOutcome("dispatcher", "NetworkError")]
        await step_health.record(session, "worker", failed, NOW - timedelta(days=3))
    assert await status_command(settings, lambda: NOW) == 0
    out = capsys.readouterr().out
    assert "worker   dispatcher             never" in out and "NetworkError" in out


async def test_status_fails_while_the_schema_is_behind(
    empty_database: DatabaseSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    await upgrade_database(
        empty_database.url, schema=empty_database.schema_name, revision="0018_concerns_announced"
    )
    assert await status_command(Settings(database=empty_database)) == 1
    out = capsys.readouterr().out
    assert f"schema   0018_concerns_announced (head {head_revision()})" in out
    assert "FAILING: the schema is behind head" in out


def test_gwbot_status_before_anything_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["db", "upgrade"])
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(["status"])
    assert info.value.code == 1
    out = capsys.readouterr().out
    assert "nothing recorded yet" in out
    assert "FAILING: no outbox dispatcher succeeded in the last 5 minutes" in out
