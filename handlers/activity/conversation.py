"""The activity flow's conversation (/aktivitaet): a new entry step by step, or one's own
recent entries changed or deleted. Built like the other features' conversations."""

from __future__ import annotations

from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.runtime import Runtime
from bot.telegram.context import BotContext
from bot.telegram.conversations import persistent_conversation
from bot.telegram.registration import (
    NEW_MESSAGE,
    PRIVATE,
    button,
    command_handler,
    conversation_fallbacks,
    expiry_guard,
)
from handlers.activity import own as activity_own
from handlers.activity import record as activity
from handlers.activity.callbacks import (
    AskChange,
    AskDelete,
    Cancel,
    Day,
    Delete,
    District,
    Goal,
    Mine,
    NoDescription,
    NoReach,
    PartnersDone,
    Save,
    ShowOwn,
    TargetGroup,
    TogglePartner,
)


def activity_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    """/aktivitaet: a new activity step by step, or one's own recent ones changed or deleted."""
    typed = PRIVATE & NEW_MESSAGE & ~filters.COMMAND
    cancel = button(Cancel.pattern, activity.cancel)
    return persistent_conversation(
        name=activity.NAME,
        command="activity",
        entry_points=[command_handler("activity", activity.start)],
        states={
            activity.State.TITLE: [
                MessageHandler(typed, activity.got_title),
                button(Mine.pattern, activity_own.mine),
                button(ShowOwn.pattern, activity_own.show),
                button(AskDelete.pattern, activity_own.ask_delete),
                button(Delete.pattern, activity_own.delete),
                button(AskChange.pattern, activity_own.ask_change),
                cancel,
            ],
            activity.State.DAY: [
                button(Day.pattern, activity.got_day),
                MessageHandler(typed, activity.got_day),
                cancel,
            ],
            activity.State.GOAL: [button(Goal.pattern, activity.got_goal), cancel],
            activity.State.GROUP: [
                button(TargetGroup.pattern, activity.got_group),
                cancel,
            ],
            activity.State.GROUP_OTHER: [MessageHandler(typed, activity.got_group_other), cancel],
            activity.State.DISTRICT: [
                button(District.pattern, activity.got_district),
                cancel,
            ],
            activity.State.DISTRICT_OTHER: [
                MessageHandler(typed, activity.got_district_other),
                cancel,
            ],
            activity.State.REACH: [
                button(NoReach.pattern, activity.got_reach),
                MessageHandler(typed, activity.got_reach),
                cancel,
            ],
            activity.State.PARTNERS: [
                button(PartnersDone.pattern, activity.partners_done),
                button(TogglePartner.pattern, activity.toggle_partner),
                cancel,
            ],
            activity.State.TEXT: [
                button(NoDescription.pattern, activity.got_description),
                MessageHandler(typed, activity.got_description),
                cancel,
            ],
            activity.State.CONFIRM: [button(Save.pattern, activity.save), cancel],
            activity.State.EDIT: [MessageHandler(typed, activity_own.got_change), cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
