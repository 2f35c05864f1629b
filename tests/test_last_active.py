"""The members' last active day (DESIGN section 2): written at most once a day, never by the
anonymous flows (concerns, pulse answers), and the basis of the engagement signals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from storage.models import Member
from tests.concern_steps import raise_concern
from tests.conftest import RunningBot
from tests.steps import member

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def last_active(bot: RunningBot, telegram_id: int) -> date | None:
    async with bot.sessions() as session:
        return await session.scalar(
            select(Member.last_active_on).where(Member.telegram_id == telegram_id)
        )


async def test_the_last_active_day_follows_the_member_but_not_anonymous_flows(
    bot: RunningBot,
) -> None:
    bot.clock.now = MONDAY
    anna = await member(bot, "Anna Berger")
    assert await last_active(bot, anna.id) is None
    await anna.send("/hilfe")
    await anna.next_message()
    assert await last_active(bot, anna.id) == date(2026, 11, 23)

    bot.clock.advance(days=2)
    await raise_concern(anna, notify=False)  # anonymous: leaves no "was here" either
    assert await last_active(bot, anna.id) == date(2026, 11, 23)
    await anna.send("/ziele")
    await anna.next_message()
    assert await last_active(bot, anna.id) == date(2026, 11, 25)
