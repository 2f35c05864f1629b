"""Timed work is isolated and watched (issue 23): each step of the tick runs on its own, in its
own transaction; a step that fails is logged with its traceback and the others go on; a step
failing again and again is reported to the admins, at most once a day, in their language."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.cli.status import status_command
from storage.models import Delivery, Role, Schedule
from tests.concern_steps import raise_concern
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import coordinator, member, run_jobs

# 10:17 UTC: the concern's batch ends at 11:00 UTC.
WRITTEN_AT = datetime(2026, 3, 17, 10, 17, 43, tzinfo=UTC)
BATCH_OVER = datetime(2026, 3, 17, 11, 0, 5, tzinfo=UTC)
ALERT_DE = "schlägt wiederholt fehl"
ALERT_EN = "keeps failing"


async def broken_meeting(bot: RunningBot) -> None:
    """A meeting reminder whose rule was edited by hand into something unreadable: firing the
    due schedules raises on it, every time."""
    async with bot.sessions.begin() as session:
        session.add(
            Schedule(
                code="steuerungsrunde",
                kind="meeting",
                rrule="FREQ=FORTNIGHTLY;BYDAY=TU",
                starts=date(2026, 3, 1),
                next_fire_at=WRITTEN_AT - timedelta(hours=1),
                text_de="Steuerungsrunde",
                text_en="Steering meeting",
            )
        )


async def alerts(bot: RunningBot) -> int:
    async with bot.sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.kind == "step_failing")
        )
    return found or 0


async def next_with(user: FakeUser, text: str, tries: int = 3) -> str:
    """The next message containing `text` (others, e.g. escalations, may come first)."""
    for _ in range(tries):
        message = await user.next_message()
        if text in message.text:
            return message.text
    raise AssertionError(f"no message with {text!r}")


async def test_a_failing_step_leaves_the_others_running_and_admins_hear_of_it(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    bot.clock.now = WRITTEN_AT
    clara = await coordinator(bot)
    ada = await coordinator(bot, "Ada Adler", Role.ADMIN)
    ed = await member(
        bot, "Ed Evans", Role.ADMIN, "koordination", "Koordinierungsstelle", language="en"
    )
    anna = await member(bot, "Anna Berger")
    await broken_meeting(bot)
    raised = await raise_concern(anna, notify=False)

    bot.clock.now = BATCH_OVER
    with caplog.at_level(logging.ERROR):
        await run_jobs(bot)
    # The schedules failed, yet the anonymous concern was written and announced in the same tick.
    notice = await clara.next_message()
    assert f"#{raised.ticket}" in notice.text
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert len(failures) == 1, [r.getMessage() for r in caplog.records]
    assert "schedules" in failures[0].getMessage()
    assert isinstance(failures[0].exc_info[1], ValueError)  # type: ignore[index]
    assert "FREQ" in caplog.text and "Traceback" in caplog.text
    assert await alerts(bot) == 0  # once is no pattern yet

    # Failing three times in a row: the admins hear of it, each in their language, once.
    await run_jobs(bot)
    await run_jobs(bot)
    alert = await next_with(ada, ALERT_DE)
    assert "schedules" in alert and "Log" in alert
    assert "FREQ" not in alert and "Traceback" not in alert
    assert "schedules" in await next_with(ed, ALERT_EN)
    await run_jobs(bot)
    assert await alerts(bot) == 2

    # Still failing a day later: told again.
    bot.clock.advance(days=1)
    await run_jobs(bot)
    assert "schedules" in await next_with(ada, ALERT_DE)
    assert await alerts(bot) == 4

    # `gwbot status` names it, by the kind of error only; every other step succeeded.
    assert await status_command(bot.settings, bot.clock) == 1
    out = capsys.readouterr().out
    assert "FAILING: run/schedules: its last run failed" in out
    assert "ValueError  <- failing (5 times in a row), admins told" in out
    assert out.count("<- failing") == 1 and "FREQ" not in out
