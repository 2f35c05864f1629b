"""The outbox dispatcher against the fake Bot API server, which enforces Telegram's limits
(30/s overall, 1/s per chat) with 429s. A fake clock moves when the dispatcher sleeps."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import DatabaseSettings
from bot.dispatcher import Dispatcher
from bot.services.outbox import Button, OutgoingMessage, enqueue
from bot.services.placement import Placement
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from storage.models import Delivery, Member
from storage.queries.outbox import claim_due
from tests.clock import FakeClock
from tests.factories import add_member
from tests.fake_telegram import FakeTelegram, FakeUser


@dataclass
class Outbox:
    fake: FakeTelegram
    sessions: async_sessionmaker[AsyncSession]
    clock: FakeClock
    dispatcher: Dispatcher

    async def members(self, count: int) -> list[tuple[FakeUser, int]]:
        people = []
        for i in range(count):
            user = self.fake.user(first_name=f"P{i}", language_code="de")
            member = await add_member(self.sessions, user.id, name=f"Person {i}")
            people.append((user, member.id))
        return people

    async def enqueue(self, member_ids: list[int], text: str) -> None:
        message = OutgoingMessage(text=text, buttons=[[Button(text="OK", data="ack:1")]])
        async with self.sessions.begin() as session:
            await enqueue(
                session,
                member_ids=member_ids,
                kind="broadcast",
                messages={"de": message},
                placement=Placement.IMMEDIATE,
                wanted=self.clock(),
            )

    async def states(self) -> Counter[str]:
        async with self.sessions() as session:
            return Counter((await session.scalars(select(Delivery.state))).all())


@pytest.fixture
async def outbox(fake: FakeTelegram, database: DatabaseSettings) -> AsyncIterator[Outbox]:
    await upgrade_database(database.url, schema=database.schema_name)
    engine = make_engine(database.url, schema=database.schema_name)
    clock = FakeClock()
    dispatcher: Dispatcher | None = None

    async def sleep(seconds: float) -> None:
        # Virtual time: it moves on only once every send in flight got its answer, so each
        # message reaches the fake server at the moment the dispatcher meant it to.
        assert dispatcher is not None
        await dispatcher.settle()
        clock.advance(seconds=seconds)

    # The fake enforces Telegram's limits on the same clock the dispatcher keeps.
    fake.faults.clock = lambda: clock().timestamp()
    fake.faults.rate_limit(per_second=30, per_chat_per_second=1, retry_after=1)
    sessions = make_sessionmaker(engine)
    # Short timeouts so a slow answer times out quickly in real time.
    request = HTTPXRequest(read_timeout=0.5, write_timeout=0.5)
    async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
        dispatcher = Dispatcher(sessions, bot, clock, sleep)
        yield Outbox(fake, sessions, clock, dispatcher)
    await engine.dispose()


def sent_texts(fake: FakeTelegram) -> Counter[tuple[int, str]]:
    return Counter(
        (event.chat_id, event.text or "") for event in fake.events if event.kind == "message"
    )


def rejected(fake: FakeTelegram, status: int) -> int:
    return sum(
        1
        for c in fake.calls_to("sendMessage")
        if c.response and c.response.get("error_code") == status
    )


async def test_every_recipient_gets_each_message_once_within_telegrams_limits(
    outbox: Outbox,
) -> None:
    people = await outbox.members(12)
    for round_ in range(5):
        await outbox.enqueue([member for _, member in people], f"Neuigkeit {round_}")
    started = outbox.clock()
    await outbox.dispatcher.run_until_idle()
    texts = sent_texts(outbox.fake)
    assert len(texts) == 60
    assert set(texts.values()) == {1}  # nobody got anything twice
    assert rejected(outbox.fake, 429) == 0  # never over 30/s overall or 1/s per chat
    assert await outbox.states() == Counter({"sent": 60})
    # 5 messages per chat at 1/s: about 4 s, not more.
    assert outbox.clock() - started <= timedelta(seconds=6)
    (user, _), *_ = people
    assert user.messages[0].buttons == [["OK"]]


async def test_a_429_storm_slows_everyone_and_loses_nothing(outbox: Outbox) -> None:
    outbox.fake.faults.rate_limit(per_second=5, per_chat_per_second=1, retry_after=2)
    people = await outbox.members(20)
    await outbox.enqueue([member for _, member in people], "Das Treffen fällt aus")
    await outbox.dispatcher.run_until_idle(horizon=timedelta(minutes=5))
    texts = sent_texts(outbox.fake)
    assert len(texts) == 20
    assert set(texts.values()) == {1}
    assert rejected(outbox.fake, 429) >= 1
    assert await outbox.states() == Counter({"sent": 20})


async def test_a_member_who_blocked_the_bot_is_marked_and_skipped(outbox: Outbox) -> None:
    ((blocker, blocker_id),) = await outbox.members(1)
    blocker.blocked = True
    await outbox.enqueue([blocker_id], "Erste")
    await outbox.dispatcher.run_until_idle()
    async with outbox.sessions() as session:
        assert await session.scalar(select(Member.blocked).where(Member.id == blocker_id))
    calls = len(outbox.fake.calls_to("sendMessage"))
    await outbox.enqueue([blocker_id], "Zweite")
    await outbox.dispatcher.run_until_idle()
    assert len(outbox.fake.calls_to("sendMessage")) == calls  # not even tried
    assert await outbox.states() == Counter({"blocked": 2})


async def test_server_errors_are_retried_then_given_up(outbox: Outbox) -> None:
    (user, member), (other, other_member) = await outbox.members(2)
    outbox.fake.faults.fail_next("sendMessage", status=502, count=2, description="Bad Gateway")
    await outbox.enqueue([member], "Kommt an")
    await outbox.dispatcher.run_until_idle(horizon=timedelta(minutes=5))
    assert [m.text for m in user.messages] == ["Kommt an"]
    outbox.fake.faults.fail_next("sendMessage", status=500, count=50)
    await outbox.enqueue([other_member], "Geht verloren")
    await outbox.dispatcher.run_until_idle(horizon=timedelta(hours=1))
    assert other.messages == []
    assert await outbox.states() == Counter({"sent": 1, "failed": 1})


async def test_rows_of_a_dead_claimer_are_sent_after_its_lease(outbox: Outbox) -> None:
    ((user, member),) = await outbox.members(1)
    await outbox.enqueue([member], "Nach dem Absturz")
    now = outbox.clock()
    async with outbox.sessions.begin() as session:
        # Another process claimed the row and died before sending it.
        assert await claim_due(session, "dead", now, now + timedelta(minutes=5), 10)
    await outbox.dispatcher.run_until_idle()
    assert user.messages == []  # its lease still holds
    await outbox.dispatcher.run_until_idle(horizon=timedelta(minutes=6))
    assert [m.text for m in user.messages] == ["Nach dem Absturz"]
    assert await outbox.states() == Counter({"sent": 1})


async def test_a_slow_answer_times_out_and_the_message_is_sent_again(outbox: Outbox) -> None:
    ((user, member),) = await outbox.members(1)
    outbox.fake.faults.slow("sendMessage", 1.5)
    await outbox.enqueue([member], "Trotzdem angekommen")
    sending = asyncio.create_task(outbox.dispatcher.run_until_idle(horizon=timedelta(minutes=5)))
    await outbox.fake.wait_for_call("sendMessage")
    outbox.fake.faults.slow("sendMessage", 0)
    await sending
    # The timed-out first attempt may still have reached the chat: twice rather than never.
    assert {m.text for m in user.messages} == {"Trotzdem angekommen"}
    assert await outbox.states() == Counter({"sent": 1})
