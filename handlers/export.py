"""/export for coordinators: what, format and date range by buttons -> a file in the chat."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.context import BotContext
from bot.services import exports
from bot.services.completeness import require_coordinator

RANGES = ("this", "last", "all")


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
        reply_markup=_keyboard(context, "exp", [("values", "export.button.values")]),
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
    _, file_format, chosen = context.matches[0].groups()
    year = context.runtime.today().year
    since, until = {
        "this": (date(year, 1, 1), date(year, 12, 31)),
        "last": (date(year - 1, 1, 1), date(year - 1, 12, 31)),
    }.get(chosen, (None, None))
    language = context.language
    async with context.runtime.reads() as session:
        table = await exports.values(
            session,
            language=language,
            on_behalf=context.t("export.on_behalf"),
            since=since,
            until=until,
        )
    content = table.file(file_format, language, context.t("export.sheet"))
    years = str(since.year) if since else context.t("export.file_all")
    name = f"{context.t('export.file_name')}-{years}.{file_format}"
    await query.answer()
    await query.edit_message_text(context.t("export.done", count=len(table.rows)))
    await update.effective_message.reply_document(InputFile(content, filename=name))
