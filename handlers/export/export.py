"""/export for coordinators: what, format and date range by buttons (or a period typed) -> a
file in the chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import ConversationHandler

from bot.i18n.formatting import format_date
from bot.services.export.date_ranges import parse_range
from bot.services.export.kinds import export_table
from bot.telegram.context import BotContext
from handlers.export.callbacks import ExportFormat, ExportWhat, period_data

RANGES = ("this", "last", "all", "range")
# The conversation state while a coordinator types a period of their own.
NAME = "export_range"


class State(IntEnum):
    """The conversation's states; their numbers are stored with open conversations."""

    TYPED_RANGE = 0


@dataclass(frozen=True)
class Kind:
    """The texts that name what a file holds, so a forwarded file still says it."""

    button: str
    sheet: str
    file_name: str
    done: str
    caption: str


KINDS = {
    "values": Kind(
        "export.button.values",
        "export.sheet",
        "export.file_name",
        "export.done",
        "export.caption.values",
    ),
    "activities": Kind(
        "export.button.activities",
        "export.sheet_activities",
        "export.file_name_activities",
        "export.done_activities",
        "export.caption.activities",
    ),
    "concerns": Kind(
        "export.button.concerns",
        "export.sheet_concerns",
        "export.file_name_concerns",
        "export.done_concerns",
        "export.caption.concerns",
    ),
    "pulse": Kind(
        "export.button.pulse",
        "export.sheet_pulse",
        "export.file_name_pulse",
        "export.done_pulse",
        "export.caption.pulse",
    ),
}


def _keyboard(context: BotContext, choices: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (callback data, text key)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(context.t(key), callback_data=data)] for data, key in choices]
    )


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(
        context.t("export.asks_what"),
        reply_markup=_keyboard(
            context, [(ExportWhat(w).pack(), kind.button) for w, kind in KINDS.items()]
        ),
    )


async def chose_what(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    what = context.matches[0].group(1)
    choices = [(ExportFormat(what, f).pack(), f"export.button.{f}") for f in ("xlsx", "csv")]
    await query.answer()
    await query.edit_message_text(
        context.t("export.asks_format"),
        reply_markup=_keyboard(context, choices),
    )


async def chose_format(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    what, file_format = context.matches[0].group(1), context.matches[0].group(2)
    choices = [(period_data(what, file_format, r), f"export.button.{r}") for r in RANGES]
    await query.answer()
    await query.edit_message_text(
        context.t("export.asks_range"),
        reply_markup=_keyboard(context, choices),
    )


async def send_file(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    what, file_format, chosen = context.matches[0].groups()
    year = context.runtime.today().year
    since, until = {
        "this": (date(year, 1, 1), date(year, 12, 31)),
        "last": (date(year - 1, 1, 1), date(year - 1, 12, 31)),
    }.get(chosen, (None, None))
    await query.answer()
    await _send(update, context, what, file_format, since, until)


async def ask_range(update: Update, context: BotContext) -> int:
    """The button "📅 Anderer Zeitraum": the period is typed next (State.TYPED_RANGE)."""
    query = update.callback_query
    assert query and context.matches and context.user_data is not None
    what, file_format = context.matches[0].group(1), context.matches[0].group(2)
    context.user_data[NAME] = {"what": what, "format": file_format}
    await query.answer()
    await query.edit_message_text(context.t("export.asks_typed_range"))
    return State.TYPED_RANGE


async def got_range(update: Update, context: BotContext) -> int:
    assert update.effective_message and context.user_data is not None
    since, until = parse_range(
        update.effective_message.text or "", context.language, context.runtime.today()
    )
    chosen = context.user_data.pop(NAME, None)
    if chosen is None:  # the choice was lost: start again
        await update.effective_message.reply_text(context.t("error.stale_button"))
        return ConversationHandler.END
    await _send(update, context, chosen["what"], chosen["format"], since, until)
    return ConversationHandler.END


async def _send(
    update: Update,
    context: BotContext,
    what: str,
    file_format: str,
    since: date | None,
    until: date | None,
) -> None:
    assert update.effective_message
    kind, language = KINDS[what], context.language
    async with context.runtime.reads() as session:
        table = await export_table(
            session,
            what,
            language=language,
            on_behalf=context.t("export.on_behalf"),
            since=since,
            until=until,
        )
    content = table.file(file_format, language, context.t(kind.sheet))
    span, name_part = _span(context, since, until)
    done = context.t(kind.done, count=len(table.rows))
    if update.callback_query:
        await update.callback_query.edit_message_text(done)
    else:
        await update.effective_message.reply_text(done)
    await update.effective_message.reply_document(
        InputFile(content, filename=f"{context.t(kind.file_name)}-{name_part}.{file_format}"),
        caption=context.t(kind.caption, span=span),
    )


def _span(context: BotContext, since: date | None, until: date | None) -> tuple[str, str]:
    """How the caption and the file name say the period: a whole year by its number."""
    if since is None or until is None:
        return context.t("export.caption_all"), context.t("export.file_all")
    if (since.month, since.day, until.month, until.day) == (1, 1, 12, 31) and (
        since.year == until.year
    ):
        return str(since.year), str(since.year)
    shown = f"{format_date(since, context.language)}–{format_date(until, context.language)}"
    return shown, f"{since.isoformat()}_{until.isoformat()}"
