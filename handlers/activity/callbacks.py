"""The buttons of the activity flow (`act:`) and of the feed (`acf:`), one kind each: the
keyboards pack them, the registration table and the conversation match their patterns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callback_data import CallbackData

NAMED = r"\d+|other|none"


@dataclass(frozen=True)
class Cancel(CallbackData):
    TEMPLATE = "act:x"


@dataclass(frozen=True)
class Mine(CallbackData):
    TEMPLATE = "act:mine"


@dataclass(frozen=True)
class ShowOwn(CallbackData):
    TEMPLATE = "act:m:<activity_id>"
    activity_id: int


@dataclass(frozen=True)
class AskDelete(CallbackData):
    TEMPLATE = "act:del:<activity_id>"
    activity_id: int


@dataclass(frozen=True)
class Delete(CallbackData):
    TEMPLATE = "act:dely:<activity_id>"
    activity_id: int


@dataclass(frozen=True)
class AskChange(CallbackData):
    TEMPLATE = "act:e:<activity_id>:<field>"
    activity_id: int
    field: str


@dataclass(frozen=True)
class Day(CallbackData):
    """Today (0) or yesterday (1)."""

    TEMPLATE = "act:d:<days_ago=[01]>"
    days_ago: int


@dataclass(frozen=True)
class Goal(CallbackData):
    TEMPLATE = r"act:g:<goal=[\w-]+>"
    goal: str


@dataclass(frozen=True)
class TargetGroup(CallbackData):
    TEMPLATE = f"act:tg:<choice={NAMED}>"
    choice: str


@dataclass(frozen=True)
class District(CallbackData):
    TEMPLATE = f"act:di:<choice={NAMED}>"
    choice: str


@dataclass(frozen=True)
class NoReach(CallbackData):
    TEMPLATE = "act:r:none"


@dataclass(frozen=True)
class PartnersDone(CallbackData):
    TEMPLATE = "act:p:done"


@dataclass(frozen=True)
class TogglePartner(CallbackData):
    TEMPLATE = r"act:p:<partner=[\w-]+>"
    partner: str


@dataclass(frozen=True)
class NoDescription(CallbackData):
    TEMPLATE = "act:t:none"


@dataclass(frozen=True)
class Save(CallbackData):
    TEMPLATE = "act:save"


# The choices of names by the prefixes their keyboard is asked with.
NAMES = {"tg": TargetGroup, "di": District}


@dataclass(frozen=True)
class FeedPage(CallbackData):
    """A page of the feed: all (a), one goal (g) or one organisation (o), from an offset."""

    TEMPLATE = "acf:<kind=a|g|o>:<chosen>:<offset>"
    kind: str
    chosen: int
    offset: int


@dataclass(frozen=True)
class FeedGoals(CallbackData):
    TEMPLATE = "acf:goals"


@dataclass(frozen=True)
class FeedOrganisations(CallbackData):
    TEMPLATE = "acf:orgs"


@dataclass(frozen=True)
class FeedGaps(CallbackData):
    TEMPLATE = "acf:gaps"
