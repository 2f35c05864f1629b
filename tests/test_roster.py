"""Who can be asked for an organisation's reports (bot/services/roster.py): its reporting
contacts, else everyone who may report, never someone who blocked the bot; and for the
organisations nobody can be asked in, why. Which organisations are not on board yet."""

from __future__ import annotations

from itertools import count

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.roster import Unreached, not_on_board, reach
from storage.models import Member, Organisation, Role

telegram_ids = count(5000)


async def organisation(session: AsyncSession, code: str, *members: dict[str, object]) -> int:
    org = Organisation(code=code, name=code.title())
    session.add(org)
    for values in members:
        session.add(
            Member(
                telegram_id=next(telegram_ids),
                display_name=f"{code}-member",
                organisation=org,
                role=values.get("role", Role.PARTNER.value),
                language="de",
                reporting_contact=values.get("contact", False),
                blocked=values.get("blocked", False),
                active=values.get("active", True),
            )
        )
    await session.flush()
    return org.id


async def test_who_is_asked_and_why_nobody_is(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        ids = {
            "nobody": await organisation(session, "nobody"),
            "left": await organisation(session, "left", {"active": False}),
            "watchers": await organisation(session, "watchers", {"role": Role.OBSERVER.value}),
            "blocked": await organisation(session, "blocked", {"blocked": True}, {"blocked": True}),
            "contact": await organisation(session, "contact", {"contact": True}, {}),
            # The only contact blocked the bot: the others are asked instead.
            "fallback": await organisation(
                session, "fallback", {"contact": True, "blocked": True}, {}, {}
            ),
        }
        found = await reach(session, list(ids.values()))
        contact = await session.scalar(
            select(Member.id).where(
                Member.organisation_id == ids["contact"], Member.reporting_contact
            )
        )
        fallback = (
            await session.scalars(
                select(Member.id).where(
                    Member.organisation_id == ids["fallback"], Member.blocked.is_(False)
                )
            )
        ).all()
    assert {o.organisation_id: o.reason for o in found.unreached} == {
        ids["nobody"]: Unreached.NO_MEMBERS,
        ids["left"]: Unreached.NO_MEMBERS,
        ids["watchers"]: Unreached.OBSERVERS_ONLY,
        ids["blocked"]: Unreached.BLOCKED,
    }
    assert [o.name for o in found.unreached] == ["Blocked", "Left", "Nobody", "Watchers"]
    assert found.people == {ids["contact"]: [contact], ids["fallback"]: sorted(fallback)}


async def test_not_on_board(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await organisation(session, "nobody")
        owing = {
            await organisation(session, "without-contact", {}, {}),
            await organisation(session, "fine", {"contact": True}),
            await organisation(session, "watchers", {"role": Role.OBSERVER.value}),
        }
        # Owing nothing, nobody needs to be a reporting contact there.
        await organisation(session, "funder", {})
        gaps = await not_on_board(session, owing=owing)
    assert [(g.name, g.reason) for g in gaps] == [
        ("Nobody", "no_members"),
        ("Watchers", "observers_only"),
        ("Without-Contact", "no_contact"),
    ]
