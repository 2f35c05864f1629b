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


def activity_conversation(runtime: Runtime) -> ConversationHandler[BotContext]:
    """/aktivitaet: a new activity step by step, or one's own recent ones changed or deleted."""
    typed = PRIVATE & NEW_MESSAGE & ~filters.COMMAND
    cancel = button(r"^act:x$", activity.cancel)
    return persistent_conversation(
        name=activity.NAME,
        command="activity",
        entry_points=[command_handler("activity", activity.start)],
        states={
            activity.State.TITLE: [
                MessageHandler(typed, activity.got_title),
                button(r"^act:mine$", activity_own.mine),
                button(r"^act:m:(\d+)$", activity_own.show),
                button(r"^act:del:(\d+)$", activity_own.ask_delete),
                button(r"^act:dely:(\d+)$", activity_own.delete),
                button(r"^act:e:(\d+):(\w+)$", activity_own.ask_change),
                cancel,
            ],
            activity.State.DAY: [
                button(r"^act:d:([01])$", activity.got_day),
                MessageHandler(typed, activity.got_day),
                cancel,
            ],
            activity.State.GOAL: [button(r"^act:g:([\w-]+)$", activity.got_goal), cancel],
            activity.State.GROUP: [
                button(r"^act:tg:(\d+|other|none)$", activity.got_group),
                cancel,
            ],
            activity.State.GROUP_OTHER: [MessageHandler(typed, activity.got_group_other), cancel],
            activity.State.DISTRICT: [
                button(r"^act:di:(\d+|other|none)$", activity.got_district),
                cancel,
            ],
            activity.State.DISTRICT_OTHER: [
                MessageHandler(typed, activity.got_district_other),
                cancel,
            ],
            activity.State.REACH: [
                button(r"^act:r:none$", activity.got_reach),
                MessageHandler(typed, activity.got_reach),
                cancel,
            ],
            activity.State.PARTNERS: [
                button(r"^act:p:done$", activity.partners_done),
                button(r"^act:p:([\w-]+)$", activity.toggle_partner),
                cancel,
            ],
            activity.State.TEXT: [
                button(r"^act:t:none$", activity.got_description),
                MessageHandler(typed, activity.got_description),
                cancel,
            ],
            activity.State.CONFIRM: [button(r"^act:save$", activity.save), cancel],
            activity.State.EDIT: [MessageHandler(typed, activity_own.got_change), cancel],
        },
        fallbacks=conversation_fallbacks(),
        guard=expiry_guard(runtime),
    )
