"""A member's own data (DESIGN section 6): everything stored about them, and leaving.

Two lists name every place that holds a member's data: EXPORT for /mydata and ERASURE for
leaving. A feature that stores a member's name or Telegram id somewhere new adds a step to
both; tests/test_mydata.py scans every table after a member left and fails until it does.
Figures and activities belong to the organisation: leaving keeps them, and the member row
itself stays (organisation, role, joined and left) with nothing left that names the person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import NotFound
from storage.queries import own_data as rows
from storage.queries.audit import record

LEFT_ACTION = "member.left"


@dataclass(frozen=True)
class Person:
    """Who the data is about; read before anything is erased."""

    member_id: int
    telegram_id: int
    organisation_id: int

    @property
    def private_chat_id(self) -> int:
        return self.telegram_id  # Telegram: a private chat has the user's id


Export = Callable[[AsyncSession, Person], Awaitable[Any]]
Erasure = Callable[[AsyncSession, Person, datetime], Awaitable[None]]


async def _member(session: AsyncSession, person: Person) -> Any:
    return await rows.member_row(session, person.member_id)


async def _organisation(session: AsyncSession, person: Person) -> Any:
    row = await rows.organisation_row(session, person.organisation_id)
    return {"code": row["code"], "name": row["name"]} if row else None


async def _user_data(session: AsyncSession, person: Person) -> Any:
    return _without(await rows.user_data_row(session, person.telegram_id), "user_id")


async def _chat_data(session: AsyncSession, person: Person) -> Any:
    return _without(await rows.chat_data_row(session, person.private_chat_id), "chat_id")


async def _conversations(session: AsyncSession, person: Person) -> Any:
    return await rows.conversation_rows_of(session, person.telegram_id)


async def _audit_log(session: AsyncSession, person: Person) -> Any:
    return [
        _without(row, "actor_id") for row in await rows.audit_rows_by(session, person.member_id)
    ]


async def _invites(session: AsyncSession, person: Person) -> Any:
    # The hash of the code is no data about the member, and a hint for guessing the code.
    return [
        _without(row, "code_hash", "created_by")
        for row in await rows.invite_rows_by(session, person.member_id)
    ]


async def _broadcasts(session: AsyncSession, person: Person) -> Any:
    return [
        _without(row, "author_id")
        for row in await rows.broadcast_rows_by(session, person.member_id)
    ]


async def _acknowledgements(session: AsyncSession, person: Person) -> Any:
    return await rows.acknowledgements_of(session, person.member_id)


async def _meeting_answers(session: AsyncSession, person: Person) -> Any:
    return [
        _without(row, "member_id") for row in await rows.rsvp_rows_of(session, person.member_id)
    ]


async def _activities(session: AsyncSession, person: Person) -> Any:
    return [
        _without(row, "member_id") for row in await rows.activity_rows_by(session, person.member_id)
    ]


async def _named_concerns(session: AsyncSession, person: Person) -> Any:
    keep = ("ticket", "category", "severity", "status", "opened_on", "resolved_on", "messages")
    return [
        {column: row[column] for column in keep}
        for row in await rows.named_concern_rows(session, person.member_id)
    ]


async def _concern_replies(session: AsyncSession, person: Person) -> Any:
    return await rows.concern_reply_rows(session, person.member_id)


async def _messages(session: AsyncSession, person: Person) -> Any:
    return await rows.delivery_rows_to(session, person.member_id)


async def _reminders(session: AsyncSession, person: Person) -> Any:
    return {
        "reports": [
            _without(row, "id", "member_id")
            for row in await rows.reminder_log_of(session, person.member_id)
        ],
        "overdue_summaries_on": [
            row["sent_on"] for row in await rows.escalation_days_of(session, person.member_id)
        ],
    }


async def _surveys_started(session: AsyncSession, person: Person) -> Any:
    return await rows.surveys_started_by(session, person.member_id)


async def _periods_closed(session: AsyncSession, person: Person) -> Any:
    return [
        _without(row, "closed_by")
        for row in await rows.periods_closed_by(session, person.member_id)
    ]


# Everything /mydata hands out, section by section. Pulse answers are not among them: they
# are stored without who gave them (only a keyed hash says someone took part).
EXPORT: tuple[tuple[str, Export], ...] = (
    ("member", _member),
    ("organisation", _organisation),
    ("user_data", _user_data),
    ("chat_data", _chat_data),
    ("conversations", _conversations),
    ("audit_log", _audit_log),
    ("invites_created", _invites),
    ("broadcasts_written", _broadcasts),
    ("broadcast_acknowledgements", _acknowledgements),
    ("meeting_answers", _meeting_answers),
    ("activities_logged", _activities),
    ("concerns_with_name", _named_concerns),
    ("concern_replies_written", _concern_replies),
    ("messages_from_the_bot", _messages),
    ("reporting_reminders_received", _reminders),
    ("pulse_surveys_started", _surveys_started),
    ("periods_closed", _periods_closed),
)


async def _forget_member(session: AsyncSession, person: Person, now: datetime) -> None:
    await rows.anonymise_member(session, person.member_id, now)


async def _forget_user_data(session: AsyncSession, person: Person, now: datetime) -> None:
    await rows.delete_user_data(session, person.telegram_id)


async def _forget_chat_data(session: AsyncSession, person: Person, now: datetime) -> None:
    await rows.delete_chat_data(session, person.private_chat_id)


async def _forget_conversations(session: AsyncSession, person: Person, now: datetime) -> None:
    await rows.delete_conversations_of(session, person.telegram_id)


# Every place that holds a member's name, Telegram id or settings (concerns hold neither: a
# named concern points to the member row, which leaving empties). Each step gets the Person
# read before the first step ran, so their order does not matter.
ERASURE: tuple[Erasure, ...] = (
    _forget_member,
    _forget_user_data,
    _forget_chat_data,
    _forget_conversations,
)


async def export_member_data(session: AsyncSession, member_id: int) -> dict[str, Any]:
    """Everything stored about an active member, JSON-ready (dates and times in ISO 8601)."""
    person = await _person(session, member_id)
    return {name: _plain(await export(session, person)) for name, export in EXPORT}


async def leave(session: AsyncSession, member_id: int, now: datetime) -> None:
    """Erase the member's personal data everywhere; their figures stay with the organisation."""
    person = await _person(session, member_id)
    for erase in ERASURE:
        await erase(session, person, now)
    # The actor id now stands for "a former member of <organisation>"; no name is kept.
    record(session, member_id, LEFT_ACTION, str(member_id), at=now)


async def _person(session: AsyncSession, member_id: int) -> Person:
    row = await rows.member_row(session, member_id)
    if row is None or not row["active"] or row["telegram_id"] is None:
        raise NotFound("error.not_a_member")
    return Person(member_id, row["telegram_id"], row["organisation_id"])


def _without(row: dict[str, Any] | None, *columns: str) -> dict[str, Any] | None:
    return None if row is None else {k: v for k, v in row.items() if k not in columns}


def _plain(value: Any) -> Any:
    """`value` with only JSON types: dates as ISO text, enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
