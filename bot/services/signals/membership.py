"""Early-warning signals (issue 16) about an organisation's people in the bot, per
organisation and never naming anyone.

- `silent` (engagement): none of its members was active in chat for `silent_weeks` (the
  members' last active day, never written by the anonymous flows).
- `contacts_left` (engagement): its reporting contacts left (on their own or deactivated by
  an admin) and no active member took over. The figure is the days since the last of them
  left (None for deactivations from before `left_at` was kept for them).
- `no_members` (engagement): it owes reports that are due, and nobody of it is in the bot, so
  no reminder reaches anyone there. The figure is how many of its reports are due and
  missing. Not raised where `contacts_left` tells it already (its contacts left, nobody took
  over).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.outbox import local_zone
from bot.services.signals.signal_types import Finding, Thresholds, partner_organisation
from storage.models import Indicator, Member, Obligation, Organisation
from storage.queries.obligations import missing


async def detect_silent(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    """`silent`: organisations whose members all stayed silent for `silent_weeks`; newcomers
    are given time."""
    weeks = limits.silent_weeks
    since = today - timedelta(weeks=weeks)
    joined_before = datetime.combine(since, time.min, tzinfo=UTC)
    rows = await session.execute(
        select(Organisation.id, func.max(Member.last_active_on), func.count(Member.id))
        .join(Member, and_(Member.organisation_id == Organisation.id, Member.active.is_(True)))
        .where(partner_organisation())
        .group_by(Organisation.id)
        .having(func.min(Member.joined_at) < joined_before)
    )
    findings = []
    for organisation_id, last, members in rows:
        if last is not None and last >= since:
            continue
        silent_days = None if last is None else (today - last).days
        findings.append(
            Finding(
                "engagement",
                "silent",
                organisation_id,
                silent_days,
                weeks * 7,
                {"members": members, "last": last.isoformat() if last else None},
            )
        )
    return findings


async def detect_contacts_left(
    session: AsyncSession, today: date, limits: Thresholds
) -> list[Finding]:
    """`contacts_left`: an organisation whose reporting contacts all left, with nobody
    marked in their place. Reminders then go to all its members, and nobody answers for it."""
    # The organisation's members now, apart from the contacts who left (outer query).
    now = aliased(Member)
    successor = (
        select(now.id)
        .where(
            now.organisation_id == Organisation.id,
            now.active.is_(True),
            now.reporting_contact.is_(True),
        )
        .exists()
    )
    remaining = (
        select(func.count(now.id))
        .where(now.organisation_id == Organisation.id, now.active.is_(True))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Organisation.id, func.count(Member.id), func.max(Member.left_at), remaining)
        .join(
            Member,
            and_(
                Member.organisation_id == Organisation.id,
                Member.active.is_(False),
                Member.reporting_contact.is_(True),
            ),
        )
        .where(partner_organisation(), ~successor)
        .group_by(Organisation.id)
    )
    zone = await local_zone(session)
    findings = []
    for organisation_id, left, last, members in rows:
        last_day = last.astimezone(zone).date() if last is not None else None
        findings.append(
            Finding(
                "engagement",
                "contacts_left",
                organisation_id,
                None if last_day is None else (today - last_day).days,
                None,
                {
                    "count": left,
                    "members": members,
                    "left_day": last_day.isoformat() if last_day else None,
                },
            )
        )
    return findings


async def detect_no_members(
    session: AsyncSession, today: date, limits: Thresholds
) -> list[Finding]:
    """`no_members`: an organisation with reports due and missing, and no active member."""
    cutoff = datetime.combine(today, time.min, tzinfo=UTC)
    anyone = (
        select(Member.id)
        .where(Member.organisation_id == Organisation.id, Member.active.is_(True))
        .exists()
    )
    # contacts_left speaks for these: their reporting contacts left and nobody took over.
    contact_left = (
        select(Member.id)
        .where(
            Member.organisation_id == Organisation.id,
            Member.active.is_(False),
            Member.reporting_contact.is_(True),
        )
        .exists()
    )
    rows = await session.execute(
        select(Organisation.id, func.count(Obligation.id))
        .join(Obligation, Obligation.organisation_id == Organisation.id)
        .join(Indicator, and_(Indicator.id == Obligation.indicator_id, Indicator.active))
        .where(
            partner_organisation(),
            ~anyone,
            ~contact_left,
            missing(),
            func.coalesce(Obligation.extended_until, Obligation.due_at) < cutoff,
        )
        .group_by(Organisation.id)
    )
    return [
        Finding("engagement", "no_members", organisation_id, int(due), None, {"count": due})
        for organisation_id, due in rows
    ]
