"""Enqueueing messages the bot sends on its own (DESIGN sections 1 and 5).

A service that causes a message writes a delivery row per recipient in its own transaction;
it never sends. The dispatcher sends due rows later, as fast as Telegram allows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.placement import Placement, Preferences, place
from storage.models import Delivery, DeliveryState, Initiative, Member

DEFAULT_ZONE = "Europe/Berlin"
MESSAGE_LIMIT = 4096
# Markup and entities make the HTML longer than what Telegram counts ("&amp;" is one
# character on the screen); this only bounds a row's size.
RAW_LIMIT = 8 * MESSAGE_LIMIT
TAG = re.compile(r"<[^>]*>")


class Button(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1, max_length=64)
    data: str

    @field_validator("data")
    @classmethod
    def _fits_telegram(cls, value: str) -> str:
        if not 1 <= len(value.encode()) <= 64:
            raise ValueError("button data must be 1-64 bytes")
        return value


def visible_length(html_text: str) -> int:
    """Telegram's count of a message: after HTML parsing, in UTF-16 code units."""
    plain = html.unescape(TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


class OutgoingMessage(BaseModel):
    """What a delivery sends: HTML text and optional inline buttons."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1, max_length=RAW_LIMIT)
    buttons: list[list[Button]] = []

    @field_validator("text")
    @classmethod
    def _fits_one_message(cls, value: str) -> str:
        # The last guard: builders fit their texts first (bot.presentation.message_fit), so none
        # gets here.
        if visible_length(value) > MESSAGE_LIMIT:
            raise ValueError(f"longer than Telegram's {MESSAGE_LIMIT} characters")
        return value


Calendar = tuple[ZoneInfo, "holiday_calendars.HolidayBase | tuple[()]"]
# One message in every language; each recipient gets theirs.
Messages = Mapping[str, OutgoingMessage]


@dataclass(frozen=True)
class Recipient:
    member_id: int
    language: str | None
    preferences: Preferences


async def enqueue(
    session: AsyncSession,
    *,
    member_ids: Sequence[int],
    kind: str,
    messages: Mapping[str, OutgoingMessage],
    placement: Placement,
    wanted: datetime,
    reference: str | None = None,
) -> int:
    """One delivery per active member, in their language (else the first given), placed by
    their settings; returns how many were written."""
    rows = delivery_rows(
        await recipients(session, member_ids),
        kind=kind,
        messages=messages,
        placement=placement,
        wanted=wanted,
        reference=reference,
        calendar=await initiative_calendar(session),
    )
    await write_deliveries(session, rows)
    return len(rows)


async def recipients(session: AsyncSession, member_ids: Sequence[int]) -> list[Recipient]:
    """The active members among `member_ids` that a message can reach, with their settings."""
    rows = await session.execute(
        select(
            Member.id,
            Member.language,
            Member.reminder_hour,
            Member.quiet_start,
            Member.quiet_end,
            Member.paused_until,
        ).where(Member.id.in_(member_ids), Member.active, Member.telegram_id.is_not(None))
    )
    return [
        Recipient(member_id, language, Preferences(hour, quiet_start, quiet_end, paused))
        for member_id, language, hour, quiet_start, quiet_end, paused in rows
    ]


def delivery_rows(
    people: Sequence[Recipient],
    *,
    kind: str,
    messages: Mapping[str, OutgoingMessage],
    placement: Placement,
    wanted: datetime,
    reference: str | None,
    calendar: Calendar,
) -> list[dict[str, Any]]:
    """The outbox rows for these people: plain values, so many can be inserted at once."""
    zone, holidays = calendar
    payloads = {language: message.model_dump() for language, message in messages.items()}
    fallback = next(iter(payloads.values()))
    return [
        {
            "member_id": person.member_id,
            "kind": kind,
            "reference": reference,
            "payload": payloads.get(person.language or "", fallback),
            "state": DeliveryState.PENDING.value,
            "not_before": place(placement, wanted, person.preferences, zone, holidays),
            "attempts": 0,
        }
        for person in people
    ]


async def write_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Delivery), list(rows))


async def local_zone(session: AsyncSession) -> ZoneInfo:
    """The initiative's time zone: where its days begin and end."""
    initiative = await session.get(Initiative, 1)
    return ZoneInfo(initiative.timezone if initiative else DEFAULT_ZONE)


async def initiative_calendar(
    session: AsyncSession,
) -> tuple[ZoneInfo, holiday_calendars.HolidayBase | tuple[()]]:
    """The initiative's time zone and public holidays (`[initiative] holidays`, e.g. DE-BY)."""
    initiative = await session.get(Initiative, 1)
    if initiative is None:
        return ZoneInfo(DEFAULT_ZONE), ()
    zone = ZoneInfo(initiative.timezone)
    if not initiative.holidays:
        return zone, ()
    country, _, subdivision = initiative.holidays.partition("-")
    return zone, holiday_calendars.country_holidays(country, subdiv=subdivision or None)
