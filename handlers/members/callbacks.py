"""The buttons of /mitglieder (`mem:`) and /einladen (`inv:`), one kind each: the keyboards pack
them, the registration table and the conversation match their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData
from storage.models import Role

ROLES = "|".join(role.value for role in Role)


@dataclass(frozen=True)
class InviteFor(CallbackData):
    TEMPLATE = "inv:new:<organisation_id>"
    organisation_id: int


@dataclass(frozen=True)
class InviteOrganisation(CallbackData):
    TEMPLATE = "inv:org:<organisation_id>"
    organisation_id: int


@dataclass(frozen=True)
class InviteRole(CallbackData):
    TEMPLATE = f"inv:role:<role={ROLES}>"
    role: str


@dataclass(frozen=True)
class InviteUses(CallbackData):
    TEMPLATE = "inv:uses:<uses>"
    uses: int


@dataclass(frozen=True)
class Member(CallbackData):
    TEMPLATE = "mem:<member_id>"
    member_id: int


@dataclass(frozen=True)
class ToggleContact(CallbackData):
    TEMPLATE = "mem:<member_id>:contact"
    member_id: int


@dataclass(frozen=True)
class AskRole(CallbackData):
    TEMPLATE = "mem:<member_id>:role"
    member_id: int


@dataclass(frozen=True)
class SetRole(CallbackData):
    TEMPLATE = f"mem:<member_id>:role:<role={ROLES}>"
    member_id: int
    role: str


@dataclass(frozen=True)
class AskDeactivate(CallbackData):
    TEMPLATE = "mem:<member_id>:off"
    member_id: int


@dataclass(frozen=True)
class Deactivate(CallbackData):
    TEMPLATE = "mem:<member_id>:off:yes"
    member_id: int
