"""/settings (/einstellungen): language, reminder hour, quiet hours, pause, the weekly digest -
all by buttons."""

from __future__ import annotations

from enum import IntEnum

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.i18n.formatting import format_date
from bot.presentation.menus import publish_member_menu
from bot.services.settings.settings import (
    PAUSE_CHOICES_DAYS,
    MemberSettings,
    change_settings,
    get_settings,
    pause,
    toggle_digest,
)
from bot.telegram.context import BotContext
from handlers.settings import keyboards


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    MENU = 0
    LANGUAGE = 1
    HOUR = 2
    QUIET_FROM = 3
    QUIET_TO = 4
    PAUSE = 5


NAME = "settings"
REMINDER_HOURS = range(6, 22)
QUIET_FROM_HOURS = range(17, 24)
QUIET_TO_HOURS = range(4, 11)


async def start(update: Update, context: BotContext) -> int:
    assert update.effective_message
    async with context.runtime.reads() as session:
        settings = await get_settings(session, context.known_member.id)
    await update.effective_message.reply_text(
        summary(context, settings),
        reply_markup=keyboards.settings_menu(context.t, settings.activity_digest),
    )
    return State.MENU


async def menu(update: Update, context: BotContext) -> int:
    """Back to the overview without changing anything."""
    _drop_draft(context)
    query = await _answer(update)
    async with context.runtime.reads() as session:
        settings = await get_settings(session, _member_id(context))
    await _show_menu(query, context, settings, saved=False)
    return State.MENU


async def ask_language(update: Update, context: BotContext) -> int:
    query = await _answer(update)
    await query.edit_message_text(
        context.t("settings.ask.lang"), reply_markup=keyboards.language_choice(context.t)
    )
    return State.LANGUAGE


async def ask_hour(update: Update, context: BotContext) -> int:
    query = await _answer(update)
    markup = keyboards.hour_choice(context.t, "hour", REMINDER_HOURS)
    await query.edit_message_text(context.t("settings.ask.hour"), reply_markup=markup)
    return State.HOUR


async def ask_quiet_from(update: Update, context: BotContext) -> int:
    query = await _answer(update)
    markup = keyboards.quiet_start_choice(context.t, QUIET_FROM_HOURS)
    await query.edit_message_text(context.t("settings.ask.quiet_from"), reply_markup=markup)
    return State.QUIET_FROM


async def ask_quiet_to(update: Update, context: BotContext) -> int:
    query = await _answer(update)
    assert context.matches and context.user_data is not None
    # The draft lives in user_data, which is persisted: it survives a restart.
    context.user_data[NAME] = {"quiet_from": int(context.matches[0].group(1))}
    markup = keyboards.hour_choice(context.t, "quiet_to", QUIET_TO_HOURS)
    await query.edit_message_text(context.t("settings.ask.quiet_to"), reply_markup=markup)
    return State.QUIET_TO


async def ask_pause(update: Update, context: BotContext) -> int:
    query = await _answer(update)
    async with context.runtime.reads() as session:
        settings = await get_settings(session, _member_id(context))
    paused = settings.paused_on(context.runtime.today())
    markup = keyboards.pause_choice(context.t, PAUSE_CHOICES_DAYS, paused)
    await query.edit_message_text(context.t("settings.ask.pause"), reply_markup=markup)
    return State.PAUSE


async def save_language(update: Update, context: BotContext) -> int:
    language = _choice(context)
    settings = await _save(update, context, language=language)
    context.language = language
    assert update.effective_chat
    menu_args = (
        context.runtime.translator,
        update.effective_chat.id,
        language,
        context.known_member.role,
    )
    await publish_member_menu(context.bot, *menu_args)
    await _show_menu(update.callback_query, context, settings, saved=True)
    return State.MENU


async def save_hour(update: Update, context: BotContext) -> int:
    settings = await _save(update, context, reminder_hour=int(_choice(context)))
    await _show_menu(update.callback_query, context, settings, saved=True)
    return State.MENU


async def save_quiet_hours(update: Update, context: BotContext) -> int:
    assert context.user_data is not None
    draft = context.user_data.pop(NAME, {})
    if "quiet_from" not in draft:  # a stale button from an earlier run of /settings
        return await menu(update, context)
    end = int(_choice(context))
    settings = await _save(update, context, quiet_start=draft["quiet_from"], quiet_end=end)
    await _show_menu(update.callback_query, context, settings, saved=True)
    return State.MENU


async def quiet_hours_off(update: Update, context: BotContext) -> int:
    settings = await _save(update, context, quiet_start=None, quiet_end=None)
    await _show_menu(update.callback_query, context, settings, saved=True)
    return State.MENU


async def save_pause(update: Update, context: BotContext) -> int:
    choice = _choice(context)
    async with context.runtime.sessions.begin() as session:
        days = None if choice == "end" else int(choice)
        settings = await pause(session, _member_id(context), days, context.runtime.today())
    await _show_menu(await _answer(update), context, settings, saved=True)
    return State.MENU


async def switch_digest(update: Update, context: BotContext) -> int:
    """The weekly activity digest off, or on again: one press, saved at once."""
    async with context.runtime.sessions.begin() as session:
        settings = await toggle_digest(session, _member_id(context))
    await _show_menu(await _answer(update), context, settings, saved=True)
    return State.MENU


async def done(update: Update, context: BotContext) -> int:
    _drop_draft(context)
    query = await _answer(update)
    await query.edit_message_text(context.t("settings.done"))
    return ConversationHandler.END


def summary(context: BotContext, settings: MemberSettings) -> str:
    t, today = context.t, context.runtime.today()
    if settings.quiet_start is None or settings.quiet_end is None:
        quiet = t("settings.quiet.none")
    else:
        quiet = t("settings.quiet.range", start=settings.quiet_start, end=settings.quiet_end)
    paused = settings.paused_until if settings.paused_on(today) else None
    return t(
        "settings.summary",
        language=t(f"language.{settings.language or context.language}"),
        hour=t("settings.hour", hour=settings.reminder_hour),
        quiet=quiet,
        pause=t("settings.pause.until", date=format_date(paused, context.language))
        if paused
        else t("settings.pause.none"),
        digest=t("settings.digest.on" if settings.activity_digest else "settings.digest.off"),
    )


async def _save(update: Update, context: BotContext, **changes: object) -> MemberSettings:
    # Answer the button only once the change is accepted: a refused one is answered by the
    # error handler, with the reason.
    async with context.runtime.sessions.begin() as session:
        settings = await change_settings(session, _member_id(context), **changes)
    await _answer(update)
    return settings


async def _show_menu(
    query: CallbackQuery | None, context: BotContext, settings: MemberSettings, *, saved: bool
) -> None:
    assert query
    text = summary(context, settings)
    if saved:
        text = f"{context.t('settings.saved')}\n\n{text}"
    markup: InlineKeyboardMarkup = keyboards.settings_menu(context.t, settings.activity_digest)
    await query.edit_message_text(text, reply_markup=markup)


async def _answer(update: Update) -> CallbackQuery:
    query = update.callback_query
    assert query
    await query.answer()
    return query


def _drop_draft(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(NAME, None)


def _choice(context: BotContext) -> str:
    assert context.matches
    return context.matches[0].group(1)


def _member_id(context: BotContext) -> int:
    return context.known_member.id
