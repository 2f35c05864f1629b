"""`gwbot status`: is the bot doing its timed work? For people and for monitoring (a cron job
or a systemd check): exit code 1 while something is failing, 0 otherwise.

Reads only; it neither upgrades the schema nor writes anything. Errors are shown by their
kind, never their message, so nothing here quotes a row or a secret (and `gwbot`'s output is
masked anyway, bot.config.logs).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.config import Settings
from bot.runtime import utc_now
from bot.services.step_health import FAILING_AFTER, Health, failed_last, health, problems
from storage.engine import make_sessionmaker
from storage.migrate import current_revision, head_revision


async def status_command(settings: Settings, now: Callable[[], datetime] = utc_now) -> int:
    engine = settings.database.engine()
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(current_revision)
        head = head_revision()
        print(f"schema   {current or 'empty'} (head {head})")
        if current != head:
            print()
            print("FAILING: the schema is behind head: run `gwbot db upgrade` (or `gwbot run`)")
            return 1
        moment = now()
        async with make_sessionmaker(engine, read_only=True)() as session:
            found = await health(session, moment)
    finally:
        await engine.dispose()
    print(describe(found))
    failing = problems(found.steps, moment)
    print()
    if failing:
        print("FAILING: " + "; ".join(failing))
        return 1
    print("OK")
    return 0


def describe(found: Health) -> str:
    lines = [
        f"outbox   {found.pending} pending ({found.due} due now), {found.failed} failed",
        f"signals  {found.open_signals} open",
        "",
        f"{'process':<8} {'step':<22} {'last success':<21} last error",
    ]
    if not found.steps:
        lines.append("(nothing recorded yet: no `gwbot run` or `gwbot worker` has run)")
    for status in found.steps:
        error = "-"
        if status.last_error_at is not None:
            error = f"{_time(status.last_error_at)} {status.last_error or ''}".rstrip()
        if failed_last(status):
            times = "once" if status.failures == 1 else f"{status.failures} times in a row"
            error += f"  <- failing ({times})"
            if status.failures >= FAILING_AFTER and status.alerted_at is not None:
                error += f", admins told {_time(status.alerted_at)}"
        success = _time(status.last_success_at) if status.last_success_at else "never"
        lines.append(f"{status.process:<8} {status.step:<22} {success:<21} {error}")
    return "\n".join(lines)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
