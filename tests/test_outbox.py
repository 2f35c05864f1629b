"""Enqueueing deliveries: one per active member, in their language, placed by their settings."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from bot.config import DatabaseSettings
from bot.services.outbox import Button, OutgoingMessage, enqueue
from bot.services.placement import Placement
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from storage.models import Delivery, Member
from tests.factories import add_member

BERLIN = ZoneInfo("Europe/Berlin")
MESSAGES = {
    "de": OutgoingMessage(text="⏰ Bitte melden", buttons=[[Button(text="Melden", data="rep:1")]]),
    "en": OutgoingMessage(text="⏰ Please report"),
}


async def test_deliveries_follow_each_members_language_and_settings(
    database: DatabaseSettings,
) -> None:
    await upgrade_database(database.url, schema=database.schema_name)
    engine = make_engine(database.url, schema=database.schema_name)
    sessions = make_sessionmaker(engine)
    anna = await add_member(sessions, 1, name="Anna", language="de")
    john = await add_member(sessions, 2, name="John", language="en")
    paused = await add_member(sessions, 3, name="Paula", language="de")
    gone = await add_member(sessions, 4, name="Gone", language="de")
    async with sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.id == paused.id).values(paused_until=date(2026, 12, 6))
        )
        await session.execute(update(Member).where(Member.id == gone.id).values(active=False))
    wanted = datetime(2026, 11, 30, 6, 0, tzinfo=BERLIN)
    async with sessions.begin() as session:
        written = await enqueue(
            session,
            member_ids=[anna.id, john.id, paused.id, gone.id],
            kind="reminder",
            messages=MESSAGES,
            placement=Placement.REMINDER,
            wanted=wanted,
            reference="obligation:7",
        )
    assert written == 3
    async with sessions() as session:
        rows = {d.member_id: d for d in (await session.scalars(select(Delivery))).all()}
    assert rows[anna.id].payload["text"] == "⏰ Bitte melden"
    assert rows[anna.id].payload["buttons"] == [[{"text": "Melden", "data": "rep:1"}]]
    assert rows[john.id].payload["text"] == "⏰ Please report"
    assert rows[anna.id].not_before == datetime(2026, 11, 30, 9, tzinfo=BERLIN)
    assert rows[paused.id].not_before == datetime(2026, 12, 7, 9, tzinfo=BERLIN)
    assert {d.state for d in rows.values()} == {"pending"}
    await engine.dispose()


def test_messages_telegram_would_refuse_are_refused_here() -> None:
    with pytest.raises(ValidationError):
        OutgoingMessage(text="x" * 4097)
    with pytest.raises(ValidationError):
        Button(text="Melden", data="ä" * 33)  # 66 bytes
    with pytest.raises(ValidationError):
        OutgoingMessage(text="")
