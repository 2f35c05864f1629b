"""The one ordered registration table of handlers (conversations:
handlers/<feature>/conversation.py).

PTB runs, per update, the first matching handler of every group, in group order. Within a
group the order of this table decides.
"""

from __future__ import annotations

import functools
import operator

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.commands import COORDINATOR_PLUS, MEMBERS, all_names, command
from bot.runtime import Runtime
from bot.services.report.value_files import OTHER_SPREADSHEETS, SUFFIXES
from bot.telegram.commit import commit_update
from bot.telegram.context import BotApplication
from bot.telegram.conversations import ending_other_conversations
from bot.telegram.identity import Roles, load_identity, roles_guard
from bot.telegram.registration import (
    ANYONE,
    NEW_MESSAGE,
    PRIVATE,
    Handler,
    command_handler,
    stateless,
)
from handlers.activity import feed as activities
from handlers.activity.callbacks import (
    FeedGaps,
    FeedGoals,
    FeedOrganisations,
    FeedPage,
)
from handlers.activity.conversation import activity_conversation
from handlers.agenda import agenda
from handlers.broadcast import news
from handlers.broadcast.callbacks import (
    Acknowledge,
    OlderNews,
    ShowStatus,
    ShowUnconfirmed,
)
from handlers.broadcast.conversation import broadcast_conversation
from handlers.concern import answer as concern_answer
from handlers.concern import desk as concern_desk
from handlers.concern import writing as concern
from handlers.concern.callbacks import (
    ConcernAnswer,
    ConcernCancel,
    ConcernCategory,
    ConcernCode,
    ConcernKind,
    ConcernNotify,
    ConcernSend,
    ConcernSeverity,
    DeskAcknowledge,
    DeskAskStatus,
    DeskList,
    DeskSetStatus,
    DeskView,
)
from handlers.concern.conversation import concern_reply_conversation
from handlers.concern.flow import RECEIPT_ALONE, AnswerFilter, HasDraft
from handlers.export import export
from handlers.export.callbacks import (
    ExportFormat,
    ExportPeriod,
    ExportWhat,
)
from handlers.export.conversation import export_range_conversation
from handlers.help import cancel, fallback, groups, help
from handlers.joining import start
from handlers.joining.conversation import joining_conversation
from handlers.members import members
from handlers.members.callbacks import (
    AskDeactivate,
    AskRole,
    Deactivate,
    Member,
    SetRole,
    ToggleContact,
)
from handlers.members.conversation import invite_conversation
from handlers.missing import missing
from handlers.missing.callbacks import (
    AsFile,
    AskClose,
    AskExtension,
    AskWaiver,
    ChoosePeriod,
    Close,
    ExtensionDays,
    ExtensionOrganisation,
    KeepWaiver,
    Nudge,
    ShowPeriod,
    Waive,
    WaiverDay,
)
from handlers.progress import progress
from handlers.progress.callbacks import (
    Chart,
)
from handlers.pulse import answer as pulse
from handlers.pulse import results as pulse_results
from handlers.pulse.callbacks import (
    AskNewSurvey,
    CancelAnswering,
    CancelNewSurvey,
    NoComment,
    Results,
    Score,
    StartAnswering,
    StartNewSurvey,
)
from handlers.pulse.flow import HasPulseDraft
from handlers.reminders import reminders
from handlers.reminders.callbacks import (
    PauseOrResume,
    Rsvp,
    ShowAnswers,
)
from handlers.reminders.conversation import reminder_conversation
from handlers.report import value_file
from handlers.report.callbacks import (
    CancelFile,
    SaveFile,
)
from handlers.report.conversation import report_conversation
from handlers.settings import mydata
from handlers.settings.callbacks import (
    CancelLeave,
    ConfirmLeave,
    Leave,
)
from handlers.settings.conversation import settings_conversation
from handlers.signals import signals
from handlers.signals.callbacks import (
    Ask,
    Details,
    Later,
    Seen,
)

# Documents named like a spreadsheet (Telegram sends the name of every document).
SPREADSHEET = functools.reduce(
    operator.or_,
    [
        filters.Document.FileExtension(suffix.removeprefix("."))
        for suffix in (*SUFFIXES, *OTHER_SPREADSHEETS)
    ],
)

# Who may press the stateless buttons below, and what anyone else is told: declared for every
# button, as bot/commands.py declares it for every command (ANYONE: the flow decides itself).
MEMBER = Roles(MEMBERS)
COORDINATOR = Roles(COORDINATOR_PLUS)
COMPLETENESS_DESK = Roles(COORDINATOR_PLUS, "missing.not_allowed")
BROADCAST_DESK = Roles(COORDINATOR_PLUS, "broadcast.not_allowed")
REMINDER_DESK = Roles(COORDINATOR_PLUS, "reminders.not_allowed")
MEMBERS_DESK = Roles(COORDINATOR_PLUS, "members.not_allowed")
CONCERN_DESK = Roles(COORDINATOR_PLUS, "concerns.not_for_you")
SIGNAL_DESK = Roles(COORDINATOR_PLUS, "signals.not_for_you")
PULSE_DESK = Roles(COORDINATOR_PLUS, "pulse.not_for_you")
GAPS = Roles(COORDINATOR_PLUS, "activities.not_allowed")


def handler_table(runtime: Runtime) -> list[tuple[int, Handler]]:
    drafts, answers = runtime.concern_drafts, runtime.pulse_drafts
    return [
        # Group -1: skip redelivered updates, then identity: every later handler reads
        # context.member and context.language.
        (-1, TypeHandler(Update, load_identity)),
        # Group 0: stateless buttons (they check who pressed and act on that), conversations
        # (they own the updates of users inside them and answer any other button as stale),
        # single commands (private chat), group chats, and the fallbacks, which must come last
        # because they match anything the features left.
        # The concern flow comes first: its drafts live in memory (handlers.concern.flow), and a
        # user with one must reach it whatever other conversation they left open. Starting it
        # ends those, so nothing typed for the concern can land in them after a restart.
        (0, command_handler("concern", ending_other_conversations(concern.start))),
        (
            0,
            CommandHandler(
                list(command("cancel").names), concern.cancel, filters=PRIVATE & HasDraft(drafts)
            ),
        ),
        (0, stateless(ConcernKind.pattern, concern.choose_kind, ANYONE)),
        (0, stateless(ConcernCategory.pattern, concern.choose_category, ANYONE)),
        (0, stateless(ConcernSeverity.pattern, concern.choose_severity, ANYONE)),
        (0, stateless(ConcernSend.pattern, concern.send, ANYONE)),
        (0, stateless(ConcernNotify.pattern, concern.choose_notify, ANYONE)),
        (0, stateless(ConcernCancel.pattern, concern.cancel, ANYONE)),
        (0, stateless(ConcernCode.pattern, concern_answer.ask_code, ANYONE)),
        (0, stateless(ConcernAnswer.pattern, concern_answer.ask_answer, ANYONE)),
        (
            0,
            MessageHandler(
                PRIVATE & NEW_MESSAGE & ~filters.COMMAND & HasDraft(drafts, typing=True),
                concern_answer.typed,
            ),
        ),
        (
            0,
            MessageHandler(
                PRIVATE & NEW_MESSAGE & filters.TEXT & ~filters.COMMAND & AnswerFilter(),
                concern_answer.got_reply,
            ),
        ),
        (
            0,
            MessageHandler(
                PRIVATE & NEW_MESSAGE & filters.Regex(RECEIPT_ALONE), concern_answer.read_with_code
            ),
        ),
        # Answering a pulse survey: quiet too, drafts in memory (handlers.pulse.flow).
        (0, stateless(StartAnswering.pattern, pulse.start, ANYONE)),
        (0, stateless(Score.pattern, pulse.score, ANYONE)),
        (0, stateless(NoComment.pattern, pulse.no_comment, ANYONE)),
        (0, stateless(CancelAnswering.pattern, pulse.cancel, ANYONE)),
        (
            0,
            CommandHandler(
                list(command("cancel").names),
                pulse.cancel,
                filters=PRIVATE & HasPulseDraft(answers),
            ),
        ),
        (
            0,
            MessageHandler(
                PRIVATE & NEW_MESSAGE & ~filters.COMMAND & HasPulseDraft(answers, comment=True),
                pulse.comment,
            ),
        ),
        # Stateless buttons that act on whoever pressed them come before the conversations,
        # whose fallbacks answer any other button as stale.
        (0, stateless(Results.pattern, pulse_results.results, MEMBER)),
        (0, stateless(AskNewSurvey.pattern, pulse_results.ask_start, PULSE_DESK)),
        (0, stateless(StartNewSurvey.pattern, pulse_results.start_survey, PULSE_DESK)),
        (0, stateless(CancelNewSurvey.pattern, pulse_results.cancel_start, PULSE_DESK)),
        (0, stateless(Leave.pattern, mydata.ask_leave, MEMBER)),
        (0, stateless(ConfirmLeave.pattern, mydata.confirm_leave, MEMBER)),
        (0, stateless(CancelLeave.pattern, mydata.cancel_leave, MEMBER)),
        (0, stateless(Member.pattern, members.detail, MEMBERS_DESK)),
        (0, stateless(ToggleContact.pattern, members.toggle_contact, MEMBERS_DESK)),
        (0, stateless(AskRole.pattern, members.ask_role, MEMBERS_DESK)),
        (0, stateless(SetRole.pattern, members.set_role, MEMBERS_DESK)),
        (0, stateless(AskDeactivate.pattern, members.ask_deactivate, MEMBERS_DESK)),
        (0, stateless(Deactivate.pattern, members.confirm_deactivate, MEMBERS_DESK)),
        (0, stateless(Acknowledge.pattern, news.acknowledge, MEMBER)),
        (0, stateless(ShowStatus.pattern, news.show_status, BROADCAST_DESK)),
        (0, stateless(ShowUnconfirmed.pattern, news.show_unconfirmed, BROADCAST_DESK)),
        (0, stateless(OlderNews.pattern, news.older, MEMBER)),
        (0, stateless(Chart.pattern, progress.chart, MEMBER)),
        (0, stateless(Rsvp.pattern, reminders.rsvp, MEMBER)),
        (0, stateless(PauseOrResume.pattern, reminders.pause, REMINDER_DESK)),
        (0, stateless(ShowAnswers.pattern, reminders.show_answers, REMINDER_DESK)),
        (
            0,
            stateless(ExportWhat.pattern, export.chose_what, COMPLETENESS_DESK),
        ),
        (
            0,
            stateless(
                ExportFormat.pattern,
                export.chose_format,
                COMPLETENESS_DESK,
            ),
        ),
        (
            0,
            stateless(
                ExportPeriod.pattern,
                export.send_file,
                COMPLETENESS_DESK,
            ),
        ),
        (0, stateless(Seen.pattern, signals.acknowledge, SIGNAL_DESK)),
        (0, stateless(Later.pattern, signals.snooze, SIGNAL_DESK)),
        (0, stateless(Details.pattern, signals.organisation, SIGNAL_DESK)),
        (0, stateless(Ask.pattern, signals.ask, SIGNAL_DESK)),
        (0, stateless(DeskList.pattern, concern_desk.back_to_list, CONCERN_DESK)),
        (0, stateless(DeskView.pattern, concern_desk.detail, CONCERN_DESK)),
        (0, stateless(DeskAcknowledge.pattern, concern_desk.acknowledge, CONCERN_DESK)),
        (0, stateless(DeskAskStatus.pattern, concern_desk.ask_status, CONCERN_DESK)),
        (0, stateless(DeskSetStatus.pattern, concern_desk.set_status, CONCERN_DESK)),
        (0, stateless(ShowPeriod.pattern, missing.show_period, COMPLETENESS_DESK)),
        (0, stateless(ChoosePeriod.pattern, missing.choose_period, COMPLETENESS_DESK)),
        (0, stateless(Nudge.pattern, missing.nudge, COMPLETENESS_DESK)),
        (0, stateless(AsFile.pattern, missing.send_file, COMPLETENESS_DESK)),
        (0, stateless(AskExtension.pattern, missing.ask_extension, COMPLETENESS_DESK)),
        (0, stateless(ExtensionOrganisation.pattern, missing.ask_days, COMPLETENESS_DESK)),
        (0, stateless(ExtensionDays.pattern, missing.extend, COMPLETENESS_DESK)),
        (0, stateless(AskClose.pattern, missing.ask_close, COMPLETENESS_DESK)),
        (0, stateless(Close.pattern, missing.close, COMPLETENESS_DESK)),
        (0, stateless(AskWaiver.pattern, missing.ask_waiver, COMPLETENESS_DESK)),
        (0, stateless(WaiverDay.pattern, missing.confirm_waiver, COMPLETENESS_DESK)),
        (0, stateless(Waive.pattern, missing.waive, COMPLETENESS_DESK)),
        (0, stateless(KeepWaiver.pattern, missing.cancel_waiver, COMPLETENESS_DESK)),
        (0, stateless(FeedPage.pattern, activities.page, MEMBER)),
        (0, stateless(FeedGoals.pattern, activities.choose_goal, MEMBER)),
        (0, stateless(FeedOrganisations.pattern, activities.choose_organisation, MEMBER)),
        (0, stateless(FeedGaps.pattern, activities.gaps, GAPS)),
        (0, stateless(SaveFile.pattern, value_file.save, COORDINATOR)),
        (0, stateless(CancelFile.pattern, value_file.cancel, COORDINATOR)),
        # A spreadsheet file (CSV/XLSX, or one to be saved as such), here in group 0 before the
        # conversations: a spreadsheet answers no question of theirs (each would only say "use
        # the buttons"), so it is read as a file of values whatever conversation waits, and that
        # one stays where it was for the text typed next. Other documents (a PDF) still go to
        # the conversation or the fallback, as before. After the anonymous flows above: a file
        # sent while writing a concern or a pulse comment stays in that quiet flow, which asks
        # for text and leaves no trace. The summary waits in user_data, not in a conversation,
        # so nothing typed after it is taken for it.
        (
            0,
            MessageHandler(
                PRIVATE & NEW_MESSAGE & SPREADSHEET,
                roles_guard(COORDINATOR, value_file.received, value_file.not_for_this_role),
            ),
        ),
        (0, joining_conversation(runtime)),
        (0, settings_conversation(runtime)),
        (0, invite_conversation(runtime)),
        (0, broadcast_conversation(runtime)),
        (0, report_conversation(runtime)),
        (0, reminder_conversation(runtime)),
        (0, concern_reply_conversation(runtime)),
        (0, activity_conversation(runtime)),
        (0, export_range_conversation(runtime)),
        (0, command_handler("start", start.start)),
        (0, command_handler("help", help.help_command)),
        (0, command_handler("agenda", agenda.agenda)),
        (0, command_handler("news", news.news)),
        (0, command_handler("progress", progress.choose)),
        (0, command_handler("mydata", mydata.mydata)),
        (0, command_handler("members", members.show)),
        (0, command_handler("missing", missing.show_latest)),
        (0, command_handler("export", export.start)),
        (0, command_handler("reminders", reminders.show)),
        (0, command_handler("concerns", concern_desk.show)),
        (0, command_handler("pulse", pulse_results.show)),
        (0, command_handler("signals", signals.show)),
        (0, command_handler("activities", activities.feed)),
        (0, command_handler("cancel", cancel.cancel)),
        (
            0,
            CommandHandler(
                all_names(), groups.point_to_private_chat, filters=filters.ChatType.GROUPS
            ),
        ),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND, fallback.unknown_command)),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT, fallback.not_understood)),
        (0, MessageHandler(PRIVATE & NEW_MESSAGE, fallback.not_text)),
        (0, CallbackQueryHandler(fallback.stale_button)),
        # Last group: write conversation states and user_data and mark the update handled, in
        # one transaction, so a crash after this loses nothing and a redelivery changes nothing.
        (99, TypeHandler(Update, commit_update)),
    ]


def register_handlers(application: BotApplication, runtime: Runtime) -> None:
    for group, handler in handler_table(runtime):
        application.add_handler(handler, group=group)
