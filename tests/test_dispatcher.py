"""The outbox dispatcher against the fake Bot API server, which enforces Telegram's limits
(30/s overall, 1/s per chat) with 429s. A fake clock moves when the dispatcher sleeps."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot, Message
from telegram.request import HTTPXRequest

from bot.config import DatabaseSettings
from bot.outbox.dispatcher import Dispatcher, IdleWatch, Pacing
from bot.services.outbox import Button, OutgoingMessage, enqueue
from bot.services.placement import Placement
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from storage.models import Delivery, Member
from storage.queries.outbox import claim_due
from tests.clock import FakeClock, VirtualTime
from tests.factories import add_member
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.outage import Outage


@dataclass
class Outbox:
    fake: FakeTelegram
    database: DatabaseSettings
    engine: AsyncEngine
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
        yield Outbox(fake, database, engine, sessions, clock, dispatcher)
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


# The dispatcher writes outcomes in batches of 8 and leaves at most twice that unrecorded:
# what a database restart or a crash may send twice (DESIGN 5, docs/operators.md "at most 16").
UNRECORDED_AT_MOST = 16


class CountingBot(Bot):
    """A dispatcher's own Bot that counts its deliveries, so two dispatchers on one fake server
    can be told apart; `on_send` callbacks run right after a delivery arrived, before the
    dispatcher can record it."""

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(fake.token, base_url=fake.base_url)
        self._chats: list[int] = []
        self._on_send: list[Callable[[int], None]] = []

    @property
    def delivered(self) -> int:
        return len(self._chats)

    @property
    def on_send(self) -> list[Callable[[int], None]]:
        return self._on_send

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        message = await super().send_message(*args, **kwargs)
        self._chats.append(message.chat_id)
        for callback in self._on_send:
            callback(len(self._chats))
        return message


def after(count: int, action: Callable[[], object]) -> Callable[[int], None]:
    def callback(delivered: int) -> None:
        if delivered == count:
            action()

    return callback


async def keep_sending(
    dispatcher: Dispatcher, time: VirtualTime, horizon: timedelta = timedelta(minutes=15)
) -> None:
    """What `run_forever` does, on the virtual clock: a round that failed (the database was
    away) is tried again a second later; returns once nothing is due within `horizon`."""
    while True:
        try:
            await dispatcher.run_until_idle(horizon)
            return
        except Exception:
            await time.sleep(1)


def received(fake: FakeTelegram) -> Counter[int]:
    return Counter(event.chat_id for event in fake.events if event.kind == "message")


async def test_a_database_restart_in_the_middle_of_a_broadcast_repeats_nothing(
    outbox: Outbox,
) -> None:
    """The database is away for 10 s after 40 of 120 messages: the dispatcher sends at most
    what it may leave unrecorded, waits, records it once the database is back and goes on."""
    people = await outbox.members(120)
    await outbox.enqueue([member for _, member in people], "Die Runde ist verschoben")
    time = VirtualTime(outbox.clock)
    async with CountingBot(outbox.fake) as bot:
        outage = Outage(outbox.engine, outbox.clock, progress=lambda: bot.delivered)
        bot.on_send.append(after(40, lambda: outage.begin(seconds=10)))
        dispatcher = Dispatcher(outbox.sessions, bot, outbox.clock, time.sleep)
        await time.run(dispatcher.settle, keep_sending(dispatcher, time))
    assert outage.during <= UNRECORDED_AT_MOST  # it stopped sending while it could not record
    counts = received(outbox.fake)
    assert len(counts) == 120
    assert set(counts.values()) == {1}  # nobody got it twice
    assert await outbox.states() == Counter({"sent": 120})


async def test_two_dispatchers_share_one_rate_budget(outbox: Outbox) -> None:
    """`gwbot run` and `gwbot worker` side by side: no more 429s than one process sending the
    same deliveries, and each delivery arrives once."""
    people = await outbox.members(100)
    members = [member for _, member in people]
    time = VirtualTime(outbox.clock)
    pacing = Pacing(batch=25)  # several claims per broadcast, so both take part
    async with (
        CountingBot(outbox.fake) as alone_bot,
        CountingBot(outbox.fake) as run_bot,
        CountingBot(outbox.fake) as worker_bot,
    ):
        await outbox.enqueue(members, "Allein")
        alone = Dispatcher(outbox.sessions, alone_bot, outbox.clock, time.sleep, pacing)
        await time.run(alone.settle, alone.run_until_idle(timedelta(minutes=5)))
        alone_429 = rejected(outbox.fake, 429)

        await outbox.enqueue(members, "Zu zweit")
        pair = [
            Dispatcher(outbox.sessions, bot, outbox.clock, time.sleep, pacing)
            for bot in (run_bot, worker_bot)
        ]
        await asyncio.gather(
            *(time.run(d.settle, d.run_until_idle(timedelta(minutes=5))) for d in pair)
        )
    assert rejected(outbox.fake, 429) - alone_429 <= alone_429
    texts = sent_texts(outbox.fake)
    assert len(texts) == 200
    assert set(texts.values()) == {1}
    assert await outbox.states() == Counter({"sent": 200})


async def test_a_dispatcher_cut_off_longer_than_its_lease_sends_nothing_more(
    outbox: Outbox,
) -> None:
    """One process loses its database for 6 minutes after 40 of 120 messages; the other takes
    over once the leases ran out. Only what the first had sent but not recorded goes out twice;
    when its database is back the first sends nothing more and its late outcomes leave the
    other's alone."""
    people = await outbox.members(120)
    await outbox.enqueue([member for _, member in people], "Die Runde ist verschoben")
    time = VirtualTime(outbox.clock)
    engine = make_engine(outbox.database.url, schema=outbox.database.schema_name)
    async with CountingBot(outbox.fake) as cut_bot, CountingBot(outbox.fake) as other_bot:
        outage = Outage(engine, outbox.clock, progress=lambda: cut_bot.delivered)
        cut = Dispatcher(make_sessionmaker(engine), cut_bot, outbox.clock, time.sleep)
        other = Dispatcher(outbox.sessions, other_bot, outbox.clock, time.sleep)
        joined: list[asyncio.Task[None]] = []

        def cut_off() -> None:
            outage.begin(seconds=6 * 60)
            joined.append(asyncio.create_task(time.run(other.settle, keep_sending(other, time))))

        cut_bot.on_send.append(after(40, cut_off))
        await time.run(cut.settle, keep_sending(cut, time))
        await asyncio.gather(*joined)
    await engine.dispose()
    counts = received(outbox.fake)
    assert len(counts) == 120
    assert sum(n - 1 for n in counts.values()) <= UNRECORDED_AT_MOST
    assert cut_bot.delivered == outage.at_back  # nothing more once its database was back
    last_message = {
        event.chat_id: event.message.message_id
        for event in outbox.fake.events
        if event.kind == "message" and event.message is not None
    }
    async with outbox.sessions() as session:
        rows = (
            await session.execute(
                select(Member.telegram_id, Delivery.state, Delivery.telegram_message_id).join(
                    Member, Member.id == Delivery.member_id
                )
            )
        ).all()
    assert {state for _, state, _ in rows} == {"sent"}
    # Each row names the message the chat got last: the other's where it sent again.
    assert all(message_id == last_message[chat] for chat, _, message_id in rows)


async def test_a_late_outcome_is_not_sent_again_by_the_same_process(outbox: Outbox) -> None:
    """The outcome of a delivered message cannot be written for 6 minutes; meanwhile the lease
    ran out and another claimer took the row and died. When the row comes back to this
    dispatcher, it records it as sent instead of sending it again."""
    ((user, member),) = await outbox.members(1)
    await outbox.enqueue([member], "Nur einmal")
    time = VirtualTime(outbox.clock)
    engine = make_engine(outbox.database.url, schema=outbox.database.schema_name)

    async def another_claimer_dies_holding_it() -> None:
        await time.sleep(5.5 * 60)
        now = outbox.clock()
        async with outbox.sessions.begin() as session:
            assert await claim_due(session, "dead", now, now + timedelta(minutes=5), 10)

    async with CountingBot(outbox.fake) as bot:
        outage = Outage(engine, outbox.clock)
        bot.on_send.append(after(1, lambda: outage.begin(seconds=6 * 60)))
        dispatcher = Dispatcher(make_sessionmaker(engine), bot, outbox.clock, time.sleep)
        await asyncio.gather(
            time.run(dispatcher.settle, keep_sending(dispatcher, time)),
            time.run(lambda: asyncio.sleep(0), another_claimer_dies_holding_it()),
        )
    await engine.dispose()
    assert [m.text for m in user.messages] == ["Nur einmal"]
    async with outbox.sessions() as session:
        row = (await session.execute(select(Delivery.state, Delivery.telegram_message_id))).one()
    assert tuple(row) == ("sent", user.messages[0].message_id)


async def test_the_turn_to_send_passes_on_when_its_holder_stops_or_dies(outbox: Outbox) -> None:
    people = await outbox.members(3)
    members = [member for _, member in people]
    time = VirtualTime(outbox.clock)
    async with CountingBot(outbox.fake) as first_bot, CountingBot(outbox.fake) as second_bot:
        first = Dispatcher(outbox.sessions, first_bot, outbox.clock, time.sleep)
        second = Dispatcher(outbox.sessions, second_bot, outbox.clock, time.sleep)
        await outbox.enqueue(members, "Eins")
        await time.run(first.settle, first.run_once())
        # The first one dies holding the turn: the second sends once that has lapsed.
        died = outbox.clock()
        await outbox.enqueue(members, "Zwei")
        await time.run(second.settle, second.run_until_idle(timedelta(minutes=1)))
        assert second_bot.delivered == 3
        assert outbox.clock() - died >= timedelta(seconds=9)  # a turn lasts 10 s
        # The second one stops: the first may send at once (a chat's second apart).
        await outbox.enqueue(members, "Drei")
        await time.run(second.settle, second.run_once())
        stop = asyncio.Event()
        stop.set()
        await second.run_forever(stop)
        stopped = outbox.clock()
        await outbox.enqueue(members, "Vier")
        await time.run(first.settle, first.run_until_idle(timedelta(minutes=1)))
        assert first_bot.delivered == 6
        assert outbox.clock() - stopped <= timedelta(seconds=1.5)
    assert rejected(outbox.fake, 429) == 0


async def test_idle_watch_waits_for_a_round_that_began_later_and_found_nothing() -> None:
    idle = IdleWatch()
    idle.round_starts()
    waiting = asyncio.ensure_future(idle.wait())
    await asyncio.sleep(0)
    idle.round_ended(True)  # began before the wait: it proves nothing
    idle.round_starts()
    idle.round_ended(False)  # sent something: what it queued may be due
    await asyncio.sleep(0)
    assert not waiting.done()
    idle.round_starts()
    idle.round_ended(True)
    await asyncio.wait_for(waiting, 1)
