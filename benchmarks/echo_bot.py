"""The baseline: a bare python-telegram-bot echo bot with PTB's defaults.

Reads GWBOT_BOT__TOKEN and GWBOT_BOT__API_BASE_URL like gwbot, so both are started alike.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message
    assert update.message.text
    await update.message.reply_text(update.message.text)


def main() -> None:
    application = (
        ApplicationBuilder()
        .token(os.environ["GWBOT_BOT__TOKEN"])
        .base_url(os.environ["GWBOT_BOT__API_BASE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(poll_interval=0, timeout=5)


if __name__ == "__main__":
    main()
