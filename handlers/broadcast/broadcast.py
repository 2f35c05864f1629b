"""/broadcast (/rundruf): audience -> text -> acknowledgement? -> preview -> send or cancel.

The draft lives in user_data (so it survives a restart); sending re-checks everything, since
buttons can be forged and roles change.
"""

from __future__ import annotations

import html
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.i18n import Html
from bot.presentation import reach as reach_texts
from bot.presentation.message_fit import and_more, fit_list
from bot.services.audiences import Audience
from bot.services.broadcast import broadcasts
from bot.services.errors import DomainError
from bot.services.missing import completeness
from bot.services.obligations import ensure_obligations
from bot.services.roster import Unreachable, organisations
from bot.telegram.context import BotContext
from handlers.broadcast import keyboards
from handlers.broadcast.texts import body, recipient_messages
from handlers.report.texts import period_label


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    AUDIENCE = 0
    ORGANISATIONS = 1
    ROLE = 2
    TEXT = 3
    ACK = 4
    CONFIRM = 5
    PERIOD = 6


NAME = "broadcast"
# What the chosen organisations' names may fill of the confirmation.
AUDIENCE_LIMIT = 2000


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(NAME, {})
    return draft


async def start(update: Update, context: BotContext) -> int:
    assert update.effective_message
    _draft(context).clear()
    await update.effective_message.reply_text(
        context.t("broadcast.asks_audience"), reply_markup=keyboards.audience(context.t)
    )
    return State.AUDIENCE


async def everyone(update: Update, context: BotContext) -> int:
    return await _ask_text(update, context, Audience.of("all"))


async def ask_role(update: Update, context: BotContext) -> int:
    assert update.callback_query
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        context.t("broadcast.asks_role"), reply_markup=keyboards.roles(context.t)
    )
    return State.ROLE


async def chose_role(update: Update, context: BotContext) -> int:
    assert context.matches
    return await _ask_text(update, context, Audience.of("role", [context.matches[0].group(1)]))


async def ask_period(update: Update, context: BotContext) -> int:
    """The audience "who still owes reports": for which period."""
    assert update.callback_query
    async with context.runtime.sessions.begin() as session:
        await ensure_obligations(session, context.runtime.clock())
        periods = await completeness.recent_periods(session, context.runtime.clock())
    labels = [(p, period_label(p, context.language)) for p in periods]
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        context.t("broadcast.asks_period"), reply_markup=keyboards.periods(context.t, labels)
    )
    return State.PERIOD


async def chose_period(update: Update, context: BotContext) -> int:
    assert context.matches
    return await _ask_text(update, context, Audience.of("owing", [context.matches[0].group(1)]))


async def ask_organisations(update: Update, context: BotContext) -> int:
    _draft(context)["organisations"] = []
    return await _show_organisations(update, context, "broadcast.asks_organisations")


async def toggle_organisation(update: Update, context: BotContext) -> int:
    assert context.matches
    chosen, selected = int(context.matches[0].group(1)), _draft(context).get("organisations", [])
    async with context.runtime.reads() as session:
        if chosen not in {o.id for o in await organisations(session)}:
            raise DomainError("error.stale_button")  # forged: not one of the choices
    _draft(context)["organisations"] = [
        *(i for i in selected if i != chosen),
        *([] if chosen in selected else [chosen]),
    ]
    return await _show_organisations(update, context, "broadcast.asks_organisations")


async def organisations_chosen(update: Update, context: BotContext) -> int:
    selected = set(_draft(context).get("organisations", []))
    async with context.runtime.reads() as session:
        codes = [o.code for o in await organisations(session) if o.id in selected]
    if not codes:
        raise DomainError("broadcast.no_organisation")
    return await _ask_text(update, context, Audience.of("organisations", codes))


async def _show_organisations(update: Update, context: BotContext, key: str) -> int:
    query = update.callback_query
    assert query
    async with context.runtime.reads() as session:
        choices = await organisations(session)
    selected = set(_draft(context).get("organisations", []))
    markup, left_out = keyboards.organisations(context.t, choices, selected)
    text = and_more(
        context.t(key),
        left_out,
        lambda count: context.t("broadcast.more_organisations", count=count),
    )
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)
    return State.ORGANISATIONS


async def _ask_text(update: Update, context: BotContext, audience: Audience) -> int:
    """Only audiences that reach someone go on to the text."""
    query = update.callback_query
    assert query and context.member
    async with context.runtime.reads() as session:
        if not await broadcasts.recipients(session, audience, context.member):
            unreached = await _unreached(session, audience)
            if unreached:
                raise DomainError(
                    "broadcast.nobody_owing", lines=reach_texts.lines(context.t, unreached)
                )
            raise DomainError("broadcast.nobody")
    _draft(context)["audience"] = audience.code
    await query.answer()
    await query.edit_message_text(context.t("broadcast.asks_text"))
    return State.TEXT


async def got_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message and message.text
    _draft(context)["text"] = broadcasts.check_text(message.text_html)
    await message.reply_text(
        context.t("broadcast.asks_ack"), reply_markup=keyboards.ack_question(context.t)
    )
    return State.ACK


async def text_only(update: Update, context: BotContext) -> int:
    assert update.effective_message
    await update.effective_message.reply_text(context.t("broadcast.text_only"))
    return State.TEXT


async def chose_ack(update: Update, context: BotContext) -> int:
    """Show the broadcast as recipients will see it, then ask to send it."""
    query = update.callback_query
    assert query and context.matches and context.member
    draft = _draft(context)
    draft["ask_ack"] = context.matches[0].group(1) == "yes"
    audience = Audience.parse(draft.get("audience", ""))
    async with context.runtime.reads() as session:
        count = len(await broadcasts.recipients(session, audience, context.member))
        label = await _audience_label(context, audience, session)
        unreached = await _unreached(session, audience)
    await query.answer()
    preview = body(
        context.runtime.translator,
        context.language,
        context.member.organisation_name,
        draft.get("text", ""),
        draft["ask_ack"],
    )
    await query.edit_message_text(preview)
    assert update.effective_message
    confirm = context.t("broadcast.confirm", count=count, audience=label)
    if unreached:
        confirm += "\n\n" + reach_texts.unreached_note(context.t, unreached)
    await update.effective_message.reply_text(confirm, reply_markup=keyboards.confirm(context.t))
    return State.CONFIRM


async def send(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query and context.member
    draft = broadcasts.Draft.model_validate(_draft(context))
    render = recipient_messages(
        context.runtime.translator, context.member.organisation_name, draft.text, draft.ask_ack
    )
    async with context.runtime.sessions.begin() as session:
        created = await broadcasts.send(
            session, context.member, draft, context.runtime.clock(), render
        )
    context.runtime.outbox_wake.set()
    _draft(context).clear()
    await query.answer()
    await query.edit_message_text(context.t("broadcast.sent", count=created.recipients))
    return ConversationHandler.END


async def edit_text(update: Update, context: BotContext) -> int:
    assert update.callback_query
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.t("broadcast.asks_text"))
    return State.TEXT


async def cancel(update: Update, context: BotContext) -> int:
    assert update.callback_query
    _draft(context).clear()
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.t("broadcast.cancelled"))
    return ConversationHandler.END


async def _unreached(session: Any, audience: Audience) -> list[Unreachable]:
    """For "who still owes": the owing organisations nobody of which the broadcast reaches."""
    if audience.kind != "owing" or not audience.codes:
        return []
    return (await completeness.owing(session, audience.codes[0])).unreached


async def _audience_label(context: BotContext, audience: Audience, session: Any) -> str:
    if audience.kind == "role":
        return ", ".join(context.t(f"role.{code}") for code in audience.codes)
    if audience.kind == "organisations":
        names = {o.code: o.name for o in await organisations(session)}
        chosen = [html.escape(names.get(code, code), quote=False) for code in audience.codes]
        return Html(
            fit_list(
                chosen,
                lambda count: context.t("broadcast.more_chosen", count=count),
                separator=", ",
                limit=AUDIENCE_LIMIT,
            )
        )
    if audience.kind == "all":
        return context.t("broadcast.audience.all")
    if audience.kind == "owing" and audience.codes:
        period = period_label(audience.codes[0], context.language)
        return context.t("broadcast.audience.owing", period=period)
    return audience.code
