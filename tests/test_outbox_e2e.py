"""The outbox inside `gwbot run`: enqueued messages arrive; a member who blocked the bot is
skipped until they write again."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.outbox import OutgoingMessage, enqueue
from bot.services.placement import Placement
from storage.models import Member
from tests.conftest import RunningBot
from tests.factories import add_member


async def send_to(bot: RunningBot, member_ids: list[int], text: str) -> None:
    async with bot.sessions.begin() as session:
        await enqueue(
            session,
            member_ids=member_ids,
            kind="broadcast",
            messages={"de": OutgoingMessage(text=text)},
            placement=Placement.IMMEDIATE,
            wanted=bot.clock(),
        )


async def until_blocked(bot: RunningBot, member_id: int) -> None:
    """The dispatcher runs on its own: once it is idle, it has recorded the refusal."""
    await bot.settle()
    async with bot.sessions() as session:
        assert await session.scalar(select(Member.blocked).where(Member.id == member_id))


async def test_enqueued_messages_reach_members_through_the_running_bot(bot: RunningBot) -> None:
    users = [bot.fake.user(first_name=f"U{i}", language_code="de") for i in range(3)]
    ids = [(await add_member(bot.sessions, u.id, name=f"U{i}")).id for i, u in enumerate(users)]
    await send_to(bot, ids, "<b>Das Treffen am Dienstag fällt aus.</b>")
    for user in users:
        message = await user.next_message()
        assert message.text == "Das Treffen am Dienstag fällt aus."
        assert message.html == "<b>Das Treffen am Dienstag fällt aus.</b>"


async def test_a_blocked_member_is_reached_again_after_writing(bot: RunningBot) -> None:
    user = bot.fake.user(first_name="Bea", language_code="de")
    member = await add_member(bot.sessions, user.id, name="Bea")
    user.blocked = True
    await send_to(bot, [member.id], "Erste Nachricht")
    await until_blocked(bot, member.id)
    user.blocked = False
    await user.send("/hilfe")  # writing again unblocks, after the answer
    assert "Was Sie hier tun können" in (await user.next_message()).text
    async with bot.sessions() as session:
        assert not await session.scalar(select(Member.blocked).where(Member.id == member.id))
    await send_to(bot, [member.id], "Zweite Nachricht")
    assert (await user.next_message()).text == "Zweite Nachricht"
