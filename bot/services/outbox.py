"""Enqueueing messages the bot sends on its own (DESIGN sections 1 and 5).

A service that causes a message writes a delivery row per recipient in its own transaction;
it never sends. The dispatcher sends due rows later, as fast as Telegram allows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.placement import Placement, Preferences, place
from storage.models import Delivery, DeliveryState, Initiative, Member

DEFAULT_ZONE = "Europe/Berlin"
MESSAGE_LIMIT = 4096
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

    # Markup makes the HTML longer than what Telegram counts; the raw cap only bounds rows.
    text: str = Field(min_length=1, max_length=4 * MESSAGE_LIMIT)
    buttons: list[list[Button]] = []

    @field_validator("text")
    @classmethod
    def _fits_one_message(cls, value: str) -> str:
        if visible_length(value) > MESSAGE_LIMIT:
            raise ValueError(f"longer than Telegram's {MESSAGE_LIMIT} characters")
        return value


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
    zone, calendar = await initiative_calendar(session)
    fallback = next(iter(messages.values()))
    members = await session.scalars(
        select(Member).where(
            Member.id.in_(member_ids), Member.active, Member.telegram_id.is_not(None)
        )
    )
    count = 0
    for member in members:
        preferences = Preferences(
            member.reminder_hour, member.quiet_start, member.quiet_end, member.paused_until
        )
        message = messages.get(member.language or "", fallback)
        session.add(
            Delivery(
                member_id=member.id,
                kind=kind,
                reference=reference,
                payload=message.model_dump(),
                state=DeliveryState.PENDING.value,
                not_before=place(placement, wanted, preferences, zone, calendar),
                attempts=0,
            )
        )
        count += 1
    return count


async def drop_pending(session: AsyncSession, reference: str) -> int:
    """Forget unsent deliveries about `reference` (e.g. a reminder whose report arrived)."""
    result = await session.execute(
        delete(Delivery).where(
            Delivery.reference == reference, Delivery.state == DeliveryState.PENDING.value
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
