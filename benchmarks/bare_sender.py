"""The baseline for the outbox: a bare PTB loop sending one message to each chat id given on
stdin (one per line), 16 at a time, with PTB's defaults and no database."""

from __future__ import annotations

import asyncio
import os
import sys

from telegram import Bot


async def main() -> None:
    chats = [int(line) for line in sys.stdin.read().split()]
    slots = asyncio.Semaphore(16)

    async def send(chat_id: int) -> None:
        async with slots:
            await bot.send_message(chat_id, "Die Steuerungsrunde ist verschoben.")

    async with Bot(
        os.environ["GWBOT_BOT__TOKEN"], base_url=os.environ["GWBOT_BOT__API_BASE_URL"]
    ) as bot:
        await asyncio.gather(*(send(chat) for chat in chats))


if __name__ == "__main__":
    asyncio.run(main())
