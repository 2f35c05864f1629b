"""Who a message goes to: everyone, a role, some organisations - and later kinds.

An audience is a kind plus sorted codes, written as one canonical code (`all`,
`role:partner`, `organisations:awo,caritas`) that broadcasts store and `v_broadcasts` shows.
Kinds are pluggable: a feature registers a resolver (the completeness feature adds the members
who still owe a report) and the broadcast flow offers it without further changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.members import MemberInfo
from storage.models import Member, Organisation, Role


@dataclass(frozen=True)
class Audience:
    kind: str
    codes: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return f"{self.kind}:{','.join(self.codes)}" if self.codes else self.kind

    @classmethod
    def parse(cls, code: str) -> Audience:
        kind, _, codes = code.partition(":")
        return cls.of(kind, codes.split(",") if codes else ())

    @classmethod
    def of(cls, kind: str, codes: tuple[str, ...] | list[str] = ()) -> Audience:
        return cls(kind, tuple(sorted(set(codes))))


MemberIds = Callable[[AsyncSession, Audience], Awaitable[list[int]]]


@dataclass(frozen=True)
class AudienceKind:
    # The active members the audience means right now.
    member_ids: MemberIds
    # Whether a member belongs to it by who they are (for /news: newcomers see what their
    # role or organisation was told); kinds that depend on data return False.
    includes: Callable[[Audience, MemberInfo], bool]


async def _active(session: AsyncSession, *where: object) -> list[int]:
    query = (
        select(Member.id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .where(Member.active, Member.telegram_id.is_not(None), *where)  # type: ignore[arg-type]
        .order_by(Member.id)
    )
    return list((await session.scalars(query)).all())


async def _everyone(session: AsyncSession, audience: Audience) -> list[int]:
    return await _active(session)


async def _by_role(session: AsyncSession, audience: Audience) -> list[int]:
    return await _active(session, Member.role.in_(audience.codes))


async def _by_organisation(session: AsyncSession, audience: Audience) -> list[int]:
    return await _active(session, Organisation.code.in_(audience.codes))


KINDS: dict[str, AudienceKind] = {
    "all": AudienceKind(_everyone, lambda audience, member: True),
    "role": AudienceKind(_by_role, lambda audience, member: member.role.value in audience.codes),
    "organisations": AudienceKind(
        _by_organisation, lambda audience, member: member.organisation_code in audience.codes
    ),
}


def register(kind: str, resolver: AudienceKind) -> None:
    """Add an audience kind (a later feature's, e.g. members who still owe a report)."""
    KINDS[kind] = resolver


def validate(audience: Audience) -> Audience:
    """Refuse unknown kinds and roles (forged or stale buttons) before anything is written."""
    if audience.kind not in KINDS:
        raise DomainError("broadcast.audience_unknown")
    if audience.kind == "role" and not (
        audience.codes and set(audience.codes) <= {role.value for role in Role}
    ):
        raise DomainError("broadcast.audience_unknown")
    if audience.kind == "organisations" and not audience.codes:
        raise DomainError("broadcast.no_organisation")
    return audience


async def member_ids(session: AsyncSession, audience: Audience) -> list[int]:
    return await KINDS[validate(audience).kind].member_ids(session, audience)


def includes(audience: Audience, member: MemberInfo) -> bool:
    kind = KINDS.get(audience.kind)
    return kind is not None and kind.includes(audience, member)
