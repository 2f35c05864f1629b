"""A member's own settings: language, reminder hour, quiet hours, pause, weekly digest
(/settings)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from storage.models import Member

PAUSE_CHOICES_DAYS = (7, 14, 28)
MAX_PAUSE_DAYS = 90


class MemberSettings(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    language: Literal["de", "en"] | None
    reminder_hour: int = Field(ge=0, le=23)
    quiet_start: int | None = Field(default=None, ge=0, le=23)
    quiet_end: int | None = Field(default=None, ge=0, le=23)
    paused_until: date | None = None
    # The weekly activity digest (issue 15); on unless the member switched it off.
    activity_digest: bool = True

    @model_validator(mode="after")
    def _quiet_hours_come_in_pairs(self) -> MemberSettings:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need a start and an end")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("quiet hours must not start and end at the same hour")
        return self

    def paused_on(self, today: date) -> bool:
        return self.paused_until is not None and self.paused_until >= today


async def get_settings(session: AsyncSession, member_id: int) -> MemberSettings:
    return MemberSettings.model_validate(await _member(session, member_id))


async def change_settings(
    session: AsyncSession, member_id: int, **changes: object
) -> MemberSettings:
    """Apply `changes` (fields of MemberSettings) after validating the result as a whole."""
    member = await _member(session, member_id)
    current = MemberSettings.model_validate(member).model_dump()
    try:
        updated = MemberSettings.model_validate(current | changes)
    except ValidationError:
        raise DomainError("settings.invalid") from None
    for field, value in updated.model_dump().items():
        setattr(member, field, value)
    return updated


async def pause(
    session: AsyncSession, member_id: int, days: int | None, today: date
) -> MemberSettings:
    """Pause reminders for `days` from today (the last paused day included); None ends it."""
    if days is not None and not 1 <= days <= MAX_PAUSE_DAYS:
        raise DomainError("settings.invalid")
    until = None if days is None else today + timedelta(days=days - 1)
    return await change_settings(session, member_id, paused_until=until)


async def toggle_digest(session: AsyncSession, member_id: int) -> MemberSettings:
    """Switch the weekly activity digest off when it is on, and on again."""
    current = await get_settings(session, member_id)
    return await change_settings(session, member_id, activity_digest=not current.activity_digest)


async def _member(session: AsyncSession, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None or not member.active:
        raise NotFound("error.not_a_member")
    return member
