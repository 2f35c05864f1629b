"""The buttons of broadcasts (`bc:`, the author's conversation) and of the news (`ack:`, `bcs:`,
`bcu:`, `news:`), one kind each: the keyboards pack them, the registration table matches their
patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData
from storage.models import Role

ROLES = "|".join(role.value for role in Role)


@dataclass(frozen=True)
class BroadcastCancel(CallbackData):
    TEMPLATE = "bc:cancel"


@dataclass(frozen=True)
class AudienceEveryone(CallbackData):
    TEMPLATE = "bc:aud:all"


@dataclass(frozen=True)
class AudienceRole(CallbackData):
    TEMPLATE = "bc:aud:role"


@dataclass(frozen=True)
class AudienceOrganisations(CallbackData):
    TEMPLATE = "bc:aud:org"


@dataclass(frozen=True)
class AudienceOwing(CallbackData):
    TEMPLATE = "bc:aud:owing"


@dataclass(frozen=True)
class OwingPeriod(CallbackData):
    TEMPLATE = r"bc:owe:<period=[\w-]+>"
    period: str


@dataclass(frozen=True)
class ChosenRole(CallbackData):
    TEMPLATE = f"bc:role:<role={ROLES}>"
    role: str


@dataclass(frozen=True)
class ToggleOrganisation(CallbackData):
    TEMPLATE = "bc:org:<organisation_id>"
    organisation_id: int


@dataclass(frozen=True)
class OrganisationsDone(CallbackData):
    TEMPLATE = "bc:orgs:done"


@dataclass(frozen=True)
class AskAcknowledgement(CallbackData):
    TEMPLATE = "bc:ackq:<answer=yes|no>"
    answer: str


@dataclass(frozen=True)
class BroadcastSend(CallbackData):
    TEMPLATE = "bc:send"


@dataclass(frozen=True)
class BroadcastEdit(CallbackData):
    TEMPLATE = "bc:edit"


@dataclass(frozen=True)
class Acknowledge(CallbackData):
    TEMPLATE = "ack:<broadcast_id>"
    broadcast_id: int


@dataclass(frozen=True)
class ShowStatus(CallbackData):
    TEMPLATE = "bcs:<broadcast_id>"
    broadcast_id: int


@dataclass(frozen=True)
class ShowUnconfirmed(CallbackData):
    TEMPLATE = "bcu:<broadcast_id>"
    broadcast_id: int


@dataclass(frozen=True)
class OlderNews(CallbackData):
    TEMPLATE = "news:<offset>"
    offset: int
