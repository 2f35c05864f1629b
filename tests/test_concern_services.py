"""Anonymous and named concerns at the service level on SQLite and PostgreSQL (DESIGN section 6):
what an anonymous row keeps and what it does not, the receipt, the sealed contact, batched
notices to the coordinators, escalation, deletion after the retention period, replies through
the outbox and the dispatcher forgetting a delivery to a sealed chat once it is done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import func, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden

from bot.outbox.dispatcher import Dispatcher
from bot.services.concern import desk
from bot.services.concern.batch import Waiting, write_batch
from bot.services.concern.concerns import (
    TEXT_LIMIT,
    NewConcern,
    Opened,
    add_message,
    may_answer,
    thread_by_receipt,
    thread_of,
    want_notifications,
)
from bot.services.concern.concerns import add_reporter_message as add_reporter_message_service
from bot.services.concern.concerns import open_concern as open_concern_service
from bot.services.concern.desk import ReporterNotice, Summary
from bot.services.concern.jobs import (
    Batch,
    ConcernTexts,
    delete_expired,
    escalate,
    notify_batches,
)
from bot.services.errors import DomainError
from bot.services.outbox import OutgoingMessage
from bot.services.privacy_crypto import RECEIPT_RE, PrivacyKey, generate_key, new_receipt
from handlers.concern.callbacks import answer_data
from storage.models import (
    Author,
    Concern,
    ConcernMessage,
    ConcernStatus,
    Delivery,
    Member,
    Role,
)
from tests.clock import FakeClock
from tests.factories import add_member

KEY = PrivacyKey.from_text(generate_key())
BATCH_MINUTES = 60
TODAY = date(2026, 3, 10)
# 10:17 UTC falls into the batch that ends at 11:00 UTC.
START = datetime(2026, 3, 10, 10, 17, tzinfo=UTC)
BATCH_END = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
REPORTER_CHAT = 5_550_001


def describe(batch: Batch) -> dict[str, OutgoingMessage]:
    new = " ".join(s.ticket for s in batch.concerns) or "-"
    messages = " ".join(f"{ticket}={n}" for ticket, n in batch.messages.items()) or "-"
    return {"de": OutgoingMessage(text=f"neu: {new}; nachrichten: {messages}")}


def overdue(concerns: Sequence[Summary], hours: int) -> dict[str, OutgoingMessage]:
    tickets = " ".join(s.ticket for s in concerns)
    return {"de": OutgoingMessage(text=f"seit {hours} h offen: {tickets}")}


TEXTS = ConcernTexts(batch=describe, escalation=overdue)
NOTICE = ReporterNotice(
    messages={
        "de": OutgoingMessage(text="Die Koordination hat geantwortet."),
        "en": OutgoingMessage(text="The coordination office replied."),
    },
    answer_label={"de": "Antworten", "en": "Answer"},
    answer_data=answer_data,
)


@dataclass
class People:
    partner: Member
    coordinators: list[Member]
    admin: Member

    @property
    def coordinator_ids(self) -> set[int]:
        return {m.id for m in self.coordinators}


@pytest.fixture
async def people(sessions: async_sessionmaker[AsyncSession]) -> People:
    partner = await add_member(sessions, 101, name="Anna Berger")
    coordinators = [
        await add_member(
            sessions,
            200 + i,
            name=f"Koordinatorin {i}",
            role=Role.COORDINATOR,
            organisation="koord",
            organisation_name="Koordination",
        )
        for i in range(2)
    ]
    admin = await add_member(sessions, 300, name="Admin", role=Role.ADMIN, organisation="koord")
    return People(partner, coordinators, admin)


def new(
    text: str = "Im Team wird nicht mehr miteinander geredet.",
    *,
    anonymous: bool = True,
    severity: str = "medium",
) -> NewConcern:
    return NewConcern.model_validate(
        {"anonymous": anonymous, "category": "communication", "severity": severity, "text": text}
    )


async def open_concern(
    sessions: async_sessionmaker[AsyncSession],
    *,
    anonymous: bool = True,
    reporter_id: int | None = None,
    now: datetime = START,
    text: str = "Im Team wird nicht mehr miteinander geredet.",
    severity: str = "medium",
    waiting: Waiting | None = None,
) -> Opened:
    """Raise a concern. An anonymous one is written as the end of its batch writes it, unless
    it is to stay `waiting`."""
    held = Waiting() if waiting is None else waiting
    async with sessions.begin() as session:
        opened = await open_concern_service(
            session,
            new(text, anonymous=anonymous, severity=severity),
            key=KEY,
            reporter_id=reporter_id,
            today=now.date(),
            now=now,
            batch_minutes=BATCH_MINUTES,
            waiting=held,
        )
    if waiting is None:
        await write_waiting(sessions, held)
    return opened


async def write_waiting(
    sessions: async_sessionmaker[AsyncSession], waiting: Waiting, now: datetime | None = None
) -> None:
    """What the timed job does at the end of a batch (everything, with no `now`)."""
    due = waiting.due(now)
    async with sessions.begin() as session:
        await write_batch(session, due)
    waiting.forget(due)


async def announce(sessions: async_sessionmaker[AsyncSession], now: datetime = BATCH_END) -> int:
    async with sessions.begin() as session:
        return await notify_batches(session, now, TEXTS)


async def concern_row(sessions: async_sessionmaker[AsyncSession], ticket: str) -> Concern:
    async with sessions() as session:
        row = await session.scalar(select(Concern).where(Concern.ticket == ticket))
    assert row is not None
    return row


async def deliveries(sessions: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def add_reporter_message(
    sessions: async_sessionmaker[AsyncSession], ticket: str, now: datetime, text: str = "Noch was."
) -> None:
    """The reporter writes again; on an anonymous concern it is written as the end of its
    batch writes it."""
    waiting = Waiting()
    async with sessions.begin() as session:
        await add_reporter_message_service(
            session,
            waiting,
            ticket,
            text,
            today=now.date(),
            now=now,
            batch_minutes=BATCH_MINUTES,
        )
    await write_waiting(sessions, waiting)


async def reply(
    sessions: async_sessionmaker[AsyncSession],
    ticket: str,
    coordinator_id: int,
    *,
    now: datetime = START,
    key: PrivacyKey | None = KEY,
    text: str = "Danke, wir kümmern uns.",
) -> bool:
    async with sessions.begin() as session:
        return await desk.reply(
            session,
            ticket,
            text,
            coordinator_id=coordinator_id,
            today=now.date(),
            now=now,
            batch_minutes=BATCH_MINUTES,
            key=key,
            notice=NOTICE,
        )


async def wants_notifications(
    sessions: async_sessionmaker[AsyncSession],
    opened: Opened,
    chat_id: int = REPORTER_CHAT,
    language: str = "en",
    waiting: Waiting | None = None,
) -> bool:
    held = Waiting() if waiting is None else waiting
    async with sessions() as session:
        wanted = await want_notifications(
            session,
            held,
            opened.concern_id,
            KEY,
            chat_id,
            language,
            now=START,
            batch_minutes=BATCH_MINUTES,
        )
    if waiting is None:
        await write_waiting(sessions, held)
    return wanted


async def set_status(
    sessions: async_sessionmaker[AsyncSession], ticket: str, status: ConcernStatus, day: date
) -> None:
    async with sessions.begin() as session:
        await desk.set_status(
            session,
            ticket,
            status.value,
            today=day,
            now=datetime.combine(day, datetime.min.time(), UTC),
            key=KEY,
            notice=NOTICE,
        )


def buttons(delivery: Delivery) -> list[str]:
    return [button["data"] for row in delivery.payload.get("buttons", []) for button in row]


# --- raising a concern ---------------------------------------------------------------------


async def test_an_anonymous_concern_keeps_no_reporter_and_is_found_by_its_receipt(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    # Even if a caller passes the member, an anonymous concern must not keep it.
    opened = await open_concern(sessions, reporter_id=people.partner.id)
    assert opened.receipt is not None and RECEIPT_RE.fullmatch(opened.receipt)
    row = await concern_row(sessions, opened.ticket)
    assert row.id == opened.concern_id
    assert row.anonymous is True
    assert row.reporter_id is None
    assert row.contact is None
    assert row.receipt_hash is not None and row.receipt_hash != opened.receipt
    assert opened.receipt not in row.receipt_hash
    assert row.receipt_hash == KEY.receipt_hash(opened.receipt)
    assert row.status == ConcernStatus.NEW
    assert row.opened_on == TODAY and row.last_activity_on == TODAY
    # The only time kept is the end of the batch, not 10:17.
    assert row.batch_at == BATCH_END

    thread = await _by_receipt(sessions, opened.receipt)
    assert thread is not None and thread.ticket == opened.ticket
    assert thread.anonymous and thread.status == ConcernStatus.NEW
    assert [(m.author, m.text) for m in thread.messages] == [
        (Author.REPORTER, "Im Team wird nicht mehr miteinander geredet.")
    ]
    typed = opened.receipt.lower().replace("-", " ")
    found = await _by_receipt(sessions, typed)
    assert found is not None and found.ticket == opened.ticket
    assert await _by_receipt(sessions, new_receipt()) is None


async def _by_receipt(
    sessions: async_sessionmaker[AsyncSession], code: str, waiting: Waiting | None = None
) -> Any:
    async with sessions() as session:
        return await thread_by_receipt(session, KEY, code, waiting or Waiting())


async def test_concerns_of_one_batch_share_its_end_and_nothing_else(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await open_concern(sessions, now=START)
    second = await open_concern(sessions, now=BATCH_END - timedelta(seconds=1))
    later = await open_concern(sessions, now=BATCH_END)
    rows = [await concern_row(sessions, o.ticket) for o in (first, second, later)]
    assert [r.batch_at for r in rows] == [BATCH_END, BATCH_END, BATCH_END + timedelta(hours=1)]
    async with sessions() as session:
        message_batches = set(
            (
                await session.scalars(
                    select(ConcernMessage.batch_at).where(
                        ConcernMessage.concern_id.in_([first.concern_id, second.concern_id])
                    )
                )
            ).all()
        )
    assert message_batches == {BATCH_END}
    assert len({o.concern_id for o in (first, second, later)}) == 3
    assert len({o.ticket for o in (first, second, later)}) == 3
    assert len({o.receipt for o in (first, second, later)}) == 3
    assert len({r.receipt_hash for r in rows}) == 3


async def test_an_anonymous_concern_needs_the_privacy_key(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        with pytest.raises(DomainError) as raised:
            await open_concern_service(
                session,
                new(),
                key=None,
                reporter_id=None,
                today=TODAY,
                now=START,
                batch_minutes=BATCH_MINUTES,
                waiting=Waiting(),
            )
        assert raised.value.key == "concern.not_enabled"
        assert await session.scalar(select(func.count()).select_from(Concern)) == 0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("x" * (TEXT_LIMIT + 1), "concern.too_long"),
        ("", "concern.empty"),
        (" \n\t ", "concern.empty"),
    ],
    ids=["too-long", "empty", "blank"],
)
async def test_an_empty_or_too_long_text_is_refused_and_writes_nothing(
    sessions: async_sessionmaker[AsyncSession], text: str, error: str
) -> None:
    async with sessions.begin() as session:
        with pytest.raises(DomainError) as raised:
            await open_concern_service(
                session,
                new(text),
                key=KEY,
                reporter_id=None,
                today=TODAY,
                now=START,
                batch_minutes=BATCH_MINUTES,
                waiting=Waiting(),
            )
        assert raised.value.key == error
        if error == "concern.too_long":
            assert raised.value.values["limit"] == TEXT_LIMIT
        # Nothing pending either: the query flushes whatever the service had added.
        assert await session.scalar(select(func.count()).select_from(Concern)) == 0
        assert await session.scalar(select(func.count()).select_from(ConcernMessage)) == 0
    # Exactly at the limit is fine; surrounding blanks are not kept.
    opened = await open_concern(sessions, text="  " + "x" * TEXT_LIMIT + "\n")
    async with sessions() as session:
        thread = await thread_of(session, opened.ticket)
    assert thread is not None and thread.messages[0].text == "x" * TEXT_LIMIT


async def test_a_named_concern_keeps_its_reporter_and_the_desk_shows_who(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    named = await open_concern(sessions, anonymous=False, reporter_id=people.partner.id)
    assert named.receipt is None
    row = await concern_row(sessions, named.ticket)
    assert row.reporter_id == people.partner.id
    assert row.anonymous is False and row.receipt_hash is None
    anonymous = await open_concern(sessions, severity="high")
    async with sessions() as session:
        assert await desk.open_concerns(session) == []  # not before their batch is announced
    await announce(sessions)
    async with sessions() as session:
        shown = await desk.view(session, named.ticket)
        hidden = await desk.view(session, anonymous.ticket)
        listed = await desk.open_concerns(session)
    assert shown.reporter_name == "Anna Berger"
    assert shown.reporter_organisation == "AWO Kreisverband Neustadt"
    assert shown.reachable and not shown.thread.anonymous
    assert hidden.reporter_name is None and hidden.reporter_organisation is None
    assert not hidden.reachable  # no contact: the reporter reads replies with the code
    # The most urgent first.
    assert [s.ticket for s in listed] == [anonymous.ticket, named.ticket]
    with pytest.raises(ValueError, match="reporter"):
        await open_concern(sessions, anonymous=False, reporter_id=None)


async def test_the_reporters_chat_is_kept_only_sealed_and_never_twice_the_same(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    first, second = await open_concern(sessions), await open_concern(sessions)
    assert await wants_notifications(sessions, first)
    assert await wants_notifications(sessions, second)
    contacts = [(await concern_row(sessions, o.ticket)).contact for o in (first, second)]
    assert contacts[0] is not None and contacts[1] is not None
    # The same person's two concerns share no value.
    assert contacts[0] != contacts[1]
    assert all(str(REPORTER_CHAT) not in c for c in contacts if c)
    assert [KEY.open_contact(c) for c in contacts if c] == [(REPORTER_CHAT, "en")] * 2
    async with sessions() as session:
        assert (await desk.view(session, first.ticket)).reachable
    # A named reporter is reached as a member; an unknown concern is gone.
    named = await open_concern(sessions, anonymous=False, reporter_id=people.partner.id)
    assert not await wants_notifications(sessions, named)
    assert (await concern_row(sessions, named.ticket)).contact is None
    async with sessions() as session:
        assert not await want_notifications(
            session,
            Waiting(),
            "x" * 22,
            KEY,
            REPORTER_CHAT,
            "de",
            now=START,
            batch_minutes=BATCH_MINUTES,
        )


# --- waiting for the end of the batch --------------------------------------------------------


async def test_an_anonymous_concern_waits_and_its_reporter_still_reads_and_answers_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    waiting = Waiting()
    opened = await open_concern(sessions, waiting=waiting)
    assert opened.batch_at == BATCH_END and opened.receipt
    assert await count(sessions, Concern) == 0
    # The reporter reads it with the code, answers it by the button and asks for notifications.
    thread = await _by_receipt(sessions, opened.receipt, waiting)
    assert thread.ticket == opened.ticket and thread.status == ConcernStatus.NEW
    tag = KEY.reply_tag(opened.ticket, REPORTER_CHAT)
    async with sessions() as session:
        for chat, allowed in ((REPORTER_CHAT, True), (REPORTER_CHAT + 1, False)):
            assert allowed is await may_answer(
                session, KEY, opened.ticket, tag, chat_id=chat, member_id=None, waiting=waiting
            )
        await add_reporter_message_service(
            session,
            waiting,
            opened.ticket,
            "Nachtrag.",
            today=TODAY,
            now=START + timedelta(minutes=10),
            batch_minutes=BATCH_MINUTES,
        )
    assert await wants_notifications(sessions, opened, waiting=waiting)
    thread = await _by_receipt(sessions, opened.receipt, waiting)
    assert [m.text for m in thread.messages][-1] == "Nachtrag."
    assert await count(sessions, Concern) == await count(sessions, ConcernMessage) == 0

    # Nothing before the batch ends; then all of it at once.
    await write_waiting(sessions, waiting, BATCH_END - timedelta(seconds=1))
    assert await count(sessions, Concern) == 0
    await write_waiting(sessions, waiting, BATCH_END)
    assert not waiting.due(None)
    row = await concern_row(sessions, opened.ticket)
    assert row.contact is not None and KEY.open_contact(row.contact) == (REPORTER_CHAT, "en")
    async with sessions() as session:
        stored = await thread_of(session, opened.ticket)
    assert stored is not None
    assert [(m.author, m.text) for m in stored.messages] == [
        (Author.REPORTER, "Im Team wird nicht mehr miteinander geredet."),
        (Author.REPORTER, "Nachtrag."),
    ]


async def test_a_waiting_message_follows_the_replies_written_meanwhile_and_reopens(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    opened, gone = await open_concern(sessions), await open_concern(sessions)
    waiting, later = Waiting(), BATCH_END + timedelta(minutes=10)
    async with sessions() as session:
        for ticket in (opened.ticket, gone.ticket):
            await add_reporter_message_service(
                session,
                waiting,
                ticket,
                "Es ist wieder passiert.",
                today=later.date(),
                now=later,
                batch_minutes=BATCH_MINUTES,
            )
    # Meanwhile the office answers and closes one; the other is resolved long ago and deleted.
    await reply(sessions, opened.ticket, people.coordinators[0].id, now=later)
    await set_status(sessions, opened.ticket, ConcernStatus.RESOLVED, TODAY)
    await set_status(sessions, gone.ticket, ConcernStatus.RESOLVED, TODAY - timedelta(days=200))
    async with sessions.begin() as session:
        assert await delete_expired(session, TODAY, 180) == 1

    await write_waiting(sessions, waiting)
    row = await concern_row(sessions, opened.ticket)
    assert row.status == ConcernStatus.IN_DIALOGUE and row.resolved_on is None
    assert row.last_activity_on == later.date()
    async with sessions() as session:
        thread = await thread_of(session, opened.ticket)
        left = (await session.scalars(select(ConcernMessage.concern_id))).all()
    assert thread is not None
    assert [m.text for m in thread.messages] == [
        "Im Team wird nicht mehr miteinander geredet.",
        "Danke, wir kümmern uns.",
        "Es ist wieder passiert.",
    ]
    assert gone.concern_id not in left


# --- batched notices, escalation, retention --------------------------------------------------


async def test_coordinators_hear_of_new_concerns_and_messages_only_with_the_batch(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    first = await open_concern(sessions, now=START)
    second = await open_concern(sessions, now=START + timedelta(minutes=30))

    async def notify(now: datetime) -> int:
        async with sessions.begin() as session:
            return await notify_batches(session, now, TEXTS)

    assert await notify(BATCH_END - timedelta(seconds=1)) == 0
    assert await deliveries(sessions) == []

    assert await notify(BATCH_END) == 2
    sent = await deliveries(sessions)
    assert {d.member_id for d in sent} == people.coordinator_ids  # no partner, no admin
    assert len(sent) == 2
    assert {d.kind for d in sent} == {"concern_batch"}
    assert all(d.contact is None and d.not_before == BATCH_END for d in sent)
    tickets = " ".join(sorted([first.ticket, second.ticket]))
    assert {d.payload["text"] for d in sent} == {f"neu: {tickets}; nachrichten: -"}
    assert await notify(BATCH_END) == 0  # once only
    assert await notify(BATCH_END + timedelta(minutes=30)) == 0

    # Two messages of the reporter, one answer of the office, in the next batch.
    written = BATCH_END + timedelta(minutes=20)
    await add_reporter_message(sessions, first.ticket, written)
    await add_reporter_message(sessions, first.ticket, written + timedelta(minutes=5))
    assert not await reply(sessions, second.ticket, people.coordinators[0].id, now=written)
    assert len(await deliveries(sessions)) == 2  # no contact: nobody to tell
    next_batch = BATCH_END + timedelta(hours=1)
    assert await notify(next_batch - timedelta(seconds=1)) == 0

    assert await notify(next_batch) == 2
    announced = (await deliveries(sessions))[2:]
    assert {d.member_id for d in announced} == people.coordinator_ids
    assert {d.payload["text"] for d in announced} == {f"neu: -; nachrichten: {first.ticket}=2"}
    # The office's own answer is never announced to the office.
    assert await notify(next_batch + timedelta(hours=1)) == 0
    assert len(await deliveries(sessions)) == 4


async def test_without_coordinators_the_admins_hear_of_the_batch(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    partner = await add_member(sessions, 101)
    admin = await add_member(sessions, 300, role=Role.ADMIN, organisation="koord")
    gone = await add_member(sessions, 200, role=Role.COORDINATOR, organisation="koord")
    async with sessions.begin() as session:
        await session.execute(update(Member).where(Member.id == gone.id).values(active=False))
    opened = await open_concern(sessions)
    async with sessions.begin() as session:
        assert await notify_batches(session, BATCH_END, TEXTS) == 1
    (sent,) = await deliveries(sessions)
    assert sent.member_id == admin.id != partner.id
    assert opened.ticket in sent.payload["text"]


async def test_an_unacknowledged_concern_is_escalated_once_to_coordinators_and_admins(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    ignored = await open_concern(sessions)
    seen = await open_concern(sessions)
    async with sessions.begin() as session:
        assert await desk.acknowledge(
            session, seen.ticket, TODAY, BATCH_END + timedelta(minutes=5), KEY, NOTICE
        )
        assert not await desk.acknowledge(session, seen.ticket, TODAY, BATCH_END, KEY, NOTICE)
    assert (await concern_row(sessions, seen.ticket)).status == ConcernStatus.ACKNOWLEDGED
    hours = 24

    async def run(now: datetime) -> int:
        async with sessions.begin() as session:
            return await escalate(session, now, TEXTS, hours)

    due = BATCH_END + timedelta(hours=hours)
    assert await run(due - timedelta(seconds=1)) == 0
    assert await run(due) == 3
    sent = [d for d in await deliveries(sessions) if d.kind == "concern_escalation"]
    assert {d.member_id for d in sent} == people.coordinator_ids | {people.admin.id}
    assert {d.payload["text"] for d in sent} == {f"seit 24 h offen: {ignored.ticket}"}
    assert await run(due + timedelta(days=3)) == 0
    row = await concern_row(sessions, ignored.ticket)
    assert row.escalated and row.status == ConcernStatus.NEW


async def test_one_pass_of_the_jobs_sends_the_batch_and_the_escalation(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    await open_concern(sessions)
    now = BATCH_END + timedelta(hours=4)
    async with sessions.begin() as session:  # in the tick's order
        queued = await notify_batches(session, now, TEXTS)
        queued += await escalate(session, now, TEXTS, 4)
    assert queued == 2 + 3
    kinds = sorted(d.kind for d in await deliveries(sessions))
    assert kinds == ["concern_batch"] * 2 + ["concern_escalation"] * 3


async def test_a_resolved_concern_is_deleted_with_its_thread_after_the_retention_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    resolved = await open_concern(sessions)
    await add_reporter_message(sessions, resolved.ticket, START + timedelta(hours=2))
    still_open = await open_concern(sessions)
    resolved_on = TODAY + timedelta(days=3)
    await set_status(sessions, resolved.ticket, ConcernStatus.RESOLVED, resolved_on)
    row = await concern_row(sessions, resolved.ticket)
    assert row.status == ConcernStatus.RESOLVED and row.resolved_on == resolved_on

    async def purge(today: date) -> int:
        async with sessions.begin() as session:
            return await delete_expired(session, today, 180)

    assert await purge(resolved_on + timedelta(days=179)) == 0
    assert await count(sessions, Concern) == 2
    assert await purge(resolved_on + timedelta(days=180)) == 1
    async with sessions() as session:
        assert await thread_of(session, resolved.ticket) is None
        assert await thread_of(session, still_open.ticket) is not None
        left = (await session.scalars(select(ConcernMessage.concern_id))).all()
    assert left == [still_open.concern_id]
    assert await _by_receipt(sessions, resolved.receipt or "") is None
    # Open concerns are never deleted, however old.
    assert await purge(TODAY + timedelta(days=3650)) == 0
    assert await count(sessions, Concern) == 1


async def test_the_reporter_writing_again_reopens_a_resolved_concern(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    opened = await open_concern(sessions)
    await announce(sessions)
    await set_status(sessions, opened.ticket, ConcernStatus.RESOLVED, TODAY)
    async with sessions() as session:
        assert await desk.open_concerns(session) == []
    # The office writing on it does not reopen it ...
    async with sessions.begin() as session:
        await add_message(
            session,
            opened.ticket,
            "Zur Info: erledigt.",
            author=Author.COORDINATION,
            today=TODAY,
            now=START,
            batch_minutes=BATCH_MINUTES,
            coordinator_id=people.coordinators[0].id,
        )
    assert (await concern_row(sessions, opened.ticket)).status == ConcernStatus.RESOLVED
    # ... the reporter does.
    later = START + timedelta(days=2)
    await add_reporter_message(sessions, opened.ticket, later, "Es ist wieder passiert.")
    row = await concern_row(sessions, opened.ticket)
    assert row.status == ConcernStatus.IN_DIALOGUE
    assert row.resolved_on is None
    assert row.last_activity_on == later.date()
    async with sessions() as session:
        assert [s.ticket for s in await desk.open_concerns(session)] == [opened.ticket]
        thread = await thread_of(session, opened.ticket)
    assert thread is not None
    assert [m.author for m in thread.messages] == [
        Author.REPORTER,
        Author.COORDINATION,
        Author.REPORTER,
    ]


# --- replies ---------------------------------------------------------------------------------


async def test_a_reply_reaches_an_anonymous_reporter_only_through_a_fresh_seal(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    opened = await open_concern(sessions)
    assert await wants_notifications(sessions, opened, language="en")
    stored = (await concern_row(sessions, opened.ticket)).contact
    coordinator = people.coordinators[0].id
    assert await reply(sessions, opened.ticket, coordinator)

    (sent,) = await deliveries(sessions)
    assert sent.member_id is None
    assert sent.contact is not None and sent.contact != stored
    assert str(REPORTER_CHAT) not in sent.contact
    assert KEY.open_contact(sent.contact) == (REPORTER_CHAT, "en")
    assert sent.kind == "concern" and sent.not_before == START
    assert sent.payload["text"] == "The coordination office replied."  # the sealed language
    tag = KEY.reply_tag(opened.ticket, REPORTER_CHAT)
    assert buttons(sent) == [f"anl:r:{opened.ticket}:{tag}"]
    assert sent.payload["buttons"][-1][0]["text"] == "Answer"

    row = await concern_row(sessions, opened.ticket)
    assert row.status == ConcernStatus.IN_DIALOGUE
    assert row.acknowledged_on == TODAY
    async with sessions() as session:
        thread = await thread_of(session, opened.ticket)
        writer = await session.scalar(
            select(ConcernMessage.coordinator_id).where(ConcernMessage.position == 2)
        )
    assert thread is not None
    assert [(m.author, m.text) for m in thread.messages][1] == (
        Author.COORDINATION,
        "Danke, wir kümmern uns.",
    )
    assert writer == coordinator  # kept for the office, not shown in the thread


async def test_without_a_contact_or_key_a_reply_waits_for_the_receipt(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    opened = await open_concern(sessions)
    assert not await reply(sessions, opened.ticket, people.coordinators[0].id)
    assert await deliveries(sessions) == []
    assert (await concern_row(sessions, opened.ticket)).status == ConcernStatus.IN_DIALOGUE
    thread = await _by_receipt(sessions, opened.receipt or "")
    assert [m.text for m in thread.messages][-1] == "Danke, wir kümmern uns."
    # A contact but no key (privacy switched off): nobody can open it.
    assert await wants_notifications(sessions, opened)
    assert not await reply(sessions, opened.ticket, people.coordinators[0].id, key=None)
    assert await deliveries(sessions) == []


async def test_a_reply_to_a_named_reporter_is_an_ordinary_delivery(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    opened = await open_concern(sessions, anonymous=False, reporter_id=people.partner.id)
    assert await reply(sessions, opened.ticket, people.coordinators[0].id)
    (sent,) = await deliveries(sessions)
    assert sent.member_id == people.partner.id and sent.contact is None
    assert sent.payload["text"] == "Die Koordination hat geantwortet."  # the member's language
    assert buttons(sent) == [f"anl:r:{opened.ticket}:m"]


# --- the dispatcher --------------------------------------------------------------------------


@dataclass
class RecordingBot:
    """Stands in for the dispatcher's Bot: records each send, refuses the chats in `refuse`."""

    refuse: set[int] = field(default_factory=set)
    sent: list[tuple[int, str, InlineKeyboardMarkup | None]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, **options: Any) -> SimpleNamespace:
        if chat_id in self.refuse:
            raise Forbidden("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, text, options.get("reply_markup")))
        return SimpleNamespace(message_id=len(self.sent))


async def dispatch(
    sessions: async_sessionmaker[AsyncSession], bot: RecordingBot, *, key: PrivacyKey | None
) -> None:
    clock = FakeClock(START)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    dispatcher = Dispatcher(
        sessions,
        cast(Bot, bot),
        clock,
        sleep,
        open_contact=None if key is None else (lambda token: key.open_contact(token)[0]),
    )
    await dispatcher.run_until_idle()


async def two_replies(sessions: async_sessionmaker[AsyncSession], people: People) -> str:
    """One reply to an anonymous reporter with a contact, one to a named one; the first ticket."""
    anonymous = await open_concern(sessions)
    assert await wants_notifications(sessions, anonymous, language="de")
    named = await open_concern(sessions, anonymous=False, reporter_id=people.partner.id)
    assert await reply(sessions, anonymous.ticket, people.coordinators[0].id)
    assert await reply(sessions, named.ticket, people.coordinators[0].id)
    return anonymous.ticket


async def test_the_dispatcher_sends_to_the_sealed_chat_and_then_forgets_the_delivery(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    ticket = await two_replies(sessions, people)
    bot = RecordingBot()
    await dispatch(sessions, bot, key=KEY)
    assert sorted(chat for chat, _, _ in bot.sent) == sorted([REPORTER_CHAT, 101])
    ((_, text, markup),) = [s for s in bot.sent if s[0] == REPORTER_CHAT]
    assert text == "Die Koordination hat geantwortet."
    assert markup is not None
    tag = KEY.reply_tag(ticket, REPORTER_CHAT)
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == [
        f"anl:r:{ticket}:{tag}"
    ]
    # The sealed chat does not outlive its use; the member's delivery stays on record.
    (left,) = await deliveries(sessions)
    assert left.member_id == people.partner.id and left.state == "sent"
    async with sessions() as session:
        assert await session.scalar(select(func.count()).where(Delivery.contact.is_not(None))) == 0


async def test_a_reporter_who_blocked_the_bot_leaves_no_delivery_and_blocks_no_member(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    await two_replies(sessions, people)
    bot = RecordingBot(refuse={REPORTER_CHAT})
    await dispatch(sessions, bot, key=KEY)
    assert [chat for chat, _, _ in bot.sent] == [101]
    (left,) = await deliveries(sessions)
    assert left.member_id == people.partner.id and left.state == "sent"
    async with sessions() as session:
        assert not any((await session.scalars(select(Member.blocked))).all())


async def test_a_sealed_chat_nobody_can_open_is_not_sent_and_forgotten(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    await two_replies(sessions, people)
    bot = RecordingBot()
    await dispatch(sessions, bot, key=PrivacyKey.from_text(generate_key()))  # another key
    assert [chat for chat, _, _ in bot.sent] == [101]
    (left,) = await deliveries(sessions)
    assert left.member_id == people.partner.id


async def test_v_concerns_shows_days_and_flags_and_nothing_about_reporters(
    sessions: async_sessionmaker[AsyncSession], people: People
) -> None:
    anonymous = await open_concern(sessions, severity="high")
    named = await open_concern(sessions, anonymous=False, reporter_id=people.partner.id)
    await set_status(sessions, named.ticket, ConcernStatus.RESOLVED, TODAY + timedelta(days=3))
    async with sessions() as session:
        # Only once their batch is announced.
        assert (await session.execute(sql("SELECT * FROM v_concerns"))).all() == []
    await announce(sessions)
    async with sessions() as session:
        result = await session.execute(sql("SELECT * FROM v_concerns ORDER BY anonymous"))
        columns, rows = list(result.keys()), [tuple(row) for row in result]
    assert columns == [
        "ticket",
        "category",
        "severity",
        "status",
        "opened_on",
        "anonymous",
        "last_activity_on",
    ]
    assert rows == [
        (named.ticket, "communication", "medium", "resolved", "2026-03-10", 0, "2026-03-13"),
        (anonymous.ticket, "communication", "high", "new", "2026-03-10", 1, "2026-03-10"),
    ]
