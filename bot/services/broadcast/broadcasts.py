"""Broadcasts (DESIGN section 3, /broadcast): a coordinator's message to an audience, sent
through the outbox; acknowledgements; the author's delivery report; /news.

The message each recipient gets is rendered by the caller (it knows the translations) from
the broadcast id, which exists only once the row is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences, members
from bot.services.audiences import Audience
from bot.services.errors import DomainError, NotFound
from bot.services.members import MemberInfo
from bot.services.outbox import OutgoingMessage, enqueue, local_zone, visible_length
from bot.services.placement import Placement
from storage.models import Broadcast, Member, Organisation
from storage.queries import broadcasts as rows
from storage.queries.audit import record

# What fits in one Telegram message (4096) beside the header and the acknowledgement hint.
MAX_TEXT_LENGTH = 3750
KIND = "broadcast"
REPORT_KIND = "broadcast_report"
# /news looks this far back for broadcasts a member may see.
NEWS_SCAN = 200

Render = Callable[[int], Mapping[str, OutgoingMessage]]


class Draft(BaseModel):
    """What the coordinator chose; kept in the conversation between steps."""

    model_config = ConfigDict(frozen=True)

    audience: str
    text: str = Field(min_length=1)
    ask_ack: bool = False


class Created(BaseModel):
    id: int
    recipients: int


class Acknowledgement(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"


class Status(BaseModel):
    id: int
    created_on: date
    text: str
    ask_ack: bool
    author_id: int
    recipients: int
    sent: int
    failed: int
    blocked: int
    pending: int
    acknowledged: int


class OrganisationRecipients(BaseModel):
    name: str
    unconfirmed: list[str] = []
    unreached: list[str] = []


class NewsItem(BaseModel):
    id: int
    created_on: date
    organisation_name: str
    text: str
    # None: no acknowledgement asked of this member (or they did not get it).
    acknowledged: bool | None


def check_text(text: str) -> str:
    """Refuse over-long text with its length, so the coordinator knows how much to cut."""
    length = visible_length(text)
    if length > MAX_TEXT_LENGTH:
        raise DomainError("broadcast.too_long", length=length, limit=MAX_TEXT_LENGTH)
    return text


def require_coordinator(actor: MemberInfo | None) -> MemberInfo:
    return members.require_coordinator(actor, "broadcast.not_allowed")


async def recipients(session: AsyncSession, audience: Audience, actor: MemberInfo) -> list[int]:
    """The members the broadcast would reach now: the audience without its author."""
    return [i for i in await audiences.member_ids(session, audience) if i != actor.id]


async def send(
    session: AsyncSession, actor: MemberInfo, draft: Draft, now: datetime, render: Render
) -> Created:
    """Write the broadcast and one delivery per recipient in this transaction."""
    require_coordinator(actor)
    audience = audiences.validate(Audience.parse(draft.audience))
    check_text(draft.text)
    member_ids = await recipients(session, audience, actor)
    if not member_ids:
        raise DomainError("broadcast.nobody")
    broadcast = Broadcast(
        author_id=actor.id,
        audience=audience.code,
        text=draft.text,
        ask_ack=draft.ask_ack,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    broadcast.recipients = await enqueue(
        session,
        member_ids=member_ids,
        kind=KIND,
        messages=render(broadcast.id),
        placement=Placement.IMMEDIATE,
        wanted=now,
        reference=rows.reference(broadcast.id),
    )
    record(
        session,
        actor.id,
        "broadcast.sent",
        rows.reference(broadcast.id),
        at=now,
        audience=audience.code,
        recipients=broadcast.recipients,
    )
    return Created(id=broadcast.id, recipients=broadcast.recipients)


async def acknowledge(
    session: AsyncSession, broadcast_id: int, member: MemberInfo | None, now: datetime
) -> Acknowledgement:
    """The "read" button: counts once per member; only for those the broadcast reached."""
    if member is None or await rows.delivery_of(session, broadcast_id, member.id) is None:
        raise DomainError("broadcast.not_yours")
    if await rows.acknowledge(session, broadcast_id, member.id, now):
        return Acknowledgement.RECORDED
    return Acknowledgement.ALREADY


async def status(session: AsyncSession, broadcast_id: int) -> Status:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast.unknown")
    zone = await local_zone(session)
    counts = await rows.counts(session, broadcast_id)
    return Status(
        id=broadcast.id,
        created_on=broadcast.created_at.astimezone(zone).date(),
        text=broadcast.text,
        ask_ack=broadcast.ask_ack,
        author_id=broadcast.author_id,
        recipients=counts.recipients,
        sent=counts.sent,
        failed=counts.failed,
        blocked=counts.blocked,
        pending=counts.pending,
        acknowledged=counts.acknowledged,
    )


async def unconfirmed(session: AsyncSession, broadcast_id: int) -> list[OrganisationRecipients]:
    """By organisation: who got the broadcast and has not confirmed, and who it did not reach
    (blocked the bot, or undeliverable). Members who left are not named."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast.unknown")
    groups: dict[str, OrganisationRecipients] = {}
    for organisation, name, state, acknowledged in await rows.recipients_by_organisation(
        session, broadcast_id
    ):
        group = groups.setdefault(organisation, OrganisationRecipients(name=organisation))
        if state in ("failed", "blocked"):
            group.unreached.append(name or "")
        elif broadcast.ask_ack and not acknowledged:
            group.unconfirmed.append(name or "")
    return [g for g in groups.values() if g.unconfirmed or g.unreached]


async def news(
    session: AsyncSession, member: MemberInfo, offset: int, limit: int
) -> tuple[list[NewsItem], bool]:
    """Recent broadcasts this member got or belongs to the audience of, newest first; and
    whether there are older ones."""
    candidates = await rows.recent(session, NEWS_SCAN)
    received = await rows.received_by(session, member.id, [b.id for b in candidates])
    visible = [
        b
        for b in candidates
        if b.id in received
        or b.author_id == member.id
        or audiences.includes(Audience.parse(b.audience), member)
    ]
    page = visible[offset : offset + limit]
    zone = await local_zone(session)
    items = []
    for broadcast in page:
        items.append(
            NewsItem(
                id=broadcast.id,
                created_on=broadcast.created_at.astimezone(zone).date(),
                organisation_name=await _organisation_name(session, broadcast.author_id),
                text=broadcast.text,
                acknowledged=received.get(broadcast.id) if broadcast.ask_ack else None,
            )
        )
    return items, len(visible) > offset + limit


async def queue_reports(
    session: AsyncSession, now: datetime, render: Callable[[Status], Mapping[str, OutgoingMessage]]
) -> int:
    """Enqueue the delivery report to the author of each broadcast that is done (nothing
    pending any more), once, even with several dispatchers; returns how many."""
    queued = 0
    for broadcast in await rows.finished_without_report(session):
        if not await rows.claim_report(session, broadcast.id, now):
            continue
        queued += await enqueue(
            session,
            member_ids=[broadcast.author_id],
            kind=REPORT_KIND,
            messages=render(await status(session, broadcast.id)),
            # Only the broadcast itself goes at once; its report waits out quiet hours.
            placement=Placement.MEETING,
            wanted=now,
            reference=f"broadcast-report:{broadcast.id}",
        )
    return queued


async def _organisation_name(session: AsyncSession, member_id: int) -> str:
    author = await session.get(Member, member_id)
    organisation = await session.get(Organisation, author.organisation_id) if author else None
    return organisation.name if organisation else ""
