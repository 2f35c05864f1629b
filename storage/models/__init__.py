"""SQLAlchemy 2 typed models, one module per area; everything is importable from here.

Later features add a module (or a class to one) and a migration, and list it below so the
mappers know every table before the first query.
"""

from storage.models.activities import Activity, ActivityPartner
from storage.models.base import NAMING_CONVENTION, Base, Role, utcnow
from storage.models.bot_state import ChatData, ConversationState, ProcessedUpdate, UserData
from storage.models.broadcasts import Broadcast
from storage.models.closing import ClosedPeriod
from storage.models.concerns import Author, Concern, ConcernMessage, ConcernStatus
from storage.models.initiative import (
    GlossaryTerm,
    Goal,
    Indicator,
    IndicatorReporter,
    Initiative,
    Origin,
    Schedule,
)
from storage.models.outbox import Delivery, DeliveryState, SendTurn
from storage.models.people import AuditEntry, Invite, Member, Organisation
from storage.models.pulse import PulseAnswer, PulseComment, PulseParticipation, PulseSurvey
from storage.models.reminder_log import Escalation, ReportingReminder
from storage.models.reporting import IndicatorValue, Obligation, ObligationMark, ValueSource
from storage.models.schedules import Rsvp, ScheduleRun
from storage.models.signals import Signal, SignalStatus
from storage.models.step_status import StepStatus

__all__ = [
    "NAMING_CONVENTION",
    "Activity",
    "ActivityPartner",
    "AuditEntry",
    "Author",
    "Base",
    "Broadcast",
    "ChatData",
    "ClosedPeriod",
    "Concern",
    "ConcernMessage",
    "ConcernStatus",
    "ConversationState",
    "Delivery",
    "DeliveryState",
    "Escalation",
    "GlossaryTerm",
    "Goal",
    "Indicator",
    "IndicatorReporter",
    "IndicatorValue",
    "Initiative",
    "Invite",
    "Member",
    "Obligation",
    "ObligationMark",
    "Organisation",
    "Origin",
    "ProcessedUpdate",
    "PulseAnswer",
    "PulseComment",
    "PulseParticipation",
    "PulseSurvey",
    "ReportingReminder",
    "Role",
    "Rsvp",
    "Schedule",
    "ScheduleRun",
    "SendTurn",
    "Signal",
    "SignalStatus",
    "StepStatus",
    "UserData",
    "ValueSource",
    "utcnow",
]
