"""The buttons of the concern flow (`anl:`, the reporter's) and of the coordinators' desk
(`cdk:`), one kind each: the keyboards pack them, the registration table matches their patterns.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData

TICKET = "[0-9A-Z]{8}"


@dataclass(frozen=True)
class ConcernKind(CallbackData):
    TEMPLATE = "anl:k:<kind=anon|named>"
    kind: str


@dataclass(frozen=True)
class ConcernCategory(CallbackData):
    TEMPLATE = "anl:c:<category>"
    category: str


@dataclass(frozen=True)
class ConcernSeverity(CallbackData):
    TEMPLATE = "anl:s:<severity>"
    severity: str


@dataclass(frozen=True)
class ConcernSend(CallbackData):
    TEMPLATE = "anl:ok"


@dataclass(frozen=True)
class ConcernNotify(CallbackData):
    TEMPLATE = "anl:nf:<answer=yes|no>"
    answer: str


@dataclass(frozen=True)
class ConcernCancel(CallbackData):
    TEMPLATE = "anl:x"


@dataclass(frozen=True)
class ConcernCode(CallbackData):
    TEMPLATE = "anl:code"


@dataclass(frozen=True)
class ConcernAnswer(CallbackData):
    """The reporter's answer button under a reply or a thread; the tag says which reply."""

    TEMPLATE = rf"anl:r:<ticket={TICKET}>:<tag=[\w-]+>"
    ticket: str
    tag: str


def answer_data(ticket: str, tag: str) -> str:
    """For the desk's service, which adds the answer button to what the reporter is sent."""
    return ConcernAnswer(ticket, tag).pack()


@dataclass(frozen=True)
class DeskList(CallbackData):
    TEMPLATE = "cdk:list"


@dataclass(frozen=True)
class DeskView(CallbackData):
    TEMPLATE = f"cdk:v:<ticket={TICKET}>"
    ticket: str


@dataclass(frozen=True)
class DeskAcknowledge(CallbackData):
    TEMPLATE = f"cdk:a:<ticket={TICKET}>"
    ticket: str


@dataclass(frozen=True)
class DeskAskStatus(CallbackData):
    TEMPLATE = f"cdk:st:<ticket={TICKET}>"
    ticket: str


@dataclass(frozen=True)
class DeskSetStatus(CallbackData):
    TEMPLATE = f"cdk:s:<ticket={TICKET}>:<status>"
    ticket: str
    status: str


@dataclass(frozen=True)
class DeskReply(CallbackData):
    TEMPLATE = f"cdk:r:<ticket={TICKET}>"
    ticket: str


@dataclass(frozen=True)
class DeskSendReply(CallbackData):
    TEMPLATE = "cdk:rs"


@dataclass(frozen=True)
class DeskChangeReply(CallbackData):
    TEMPLATE = "cdk:re"


@dataclass(frozen=True)
class DeskCancelReply(CallbackData):
    TEMPLATE = "cdk:rx"
