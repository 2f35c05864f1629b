"""/export for coordinators: what, format and date range by buttons -> a file in the chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.context import BotContext
from bot.services.completeness import require_coordinator
from bot.services.export_kinds import export_table

RANGES = ("this", "last", "all")


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


def _keyboard(
    context: BotContext, prefix: str, choices: list[tuple[str, str]]
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context.t(key), callback_data=f"{prefix}:{code}")]
            for code, key in choices
        ]
    )


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(
        context.t("export.asks_what"),
        reply_markup=_keyboard(context, "exp", [(w, kind.button) for w, kind in KINDS.items()]),
    )


async def chose_what(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    require_coordinator(context.member)
    choices = [("xlsx", "export.button.xlsx"), ("csv", "export.button.csv")]
    await query.answer()
    await query.edit_message_text(
        context.t("export.asks_format"),
        reply_markup=_keyboard(context, f"exp:{context.matches[0].group(1)}", choices),
    )


async def chose_format(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches
    require_coordinator(context.member)
    what, file_format = context.matches[0].group(1), context.matches[0].group(2)
    choices = [(r, f"export.button.{r}") for r in RANGES]
    await query.answer()
    await query.edit_message_text(
        context.t("export.asks_range"),
        reply_markup=_keyboard(context, f"exp:{what}:{file_format}", choices),
    )


async def send_file(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and context.matches and update.effective_message
    require_coordinator(context.member)
    what, file_format, chosen = context.matches[0].groups()
    kind = KINDS[what]
    year = context.runtime.today().year
    since, until = {
        "this": (date(year, 1, 1), date(year, 12, 31)),
        "last": (date(year - 1, 1, 1), date(year - 1, 12, 31)),
    }.get(chosen, (None, None))
    language = context.language
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
    years = str(since.year) if since else context.t("export.file_all")
    name = f"{context.t(kind.file_name)}-{years}.{file_format}"
    span = str(since.year) if since else context.t("export.caption_all")
    await query.answer()
    await query.edit_message_text(context.t(kind.done, count=len(table.rows)))
    await update.effective_message.reply_document(
        InputFile(content, filename=name), caption=context.t(kind.caption, span=span)
    )
