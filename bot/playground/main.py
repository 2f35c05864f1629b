"""Running the playground until Ctrl-C or SIGTERM: `gwbot playground`, and `make run` without
a bot token."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.playground import PortBusy
from bot.playground.history import TODAY
from bot.playground.server import Playground
from bot.playground.web import Site

DEFAULT_PORT = 8080
DEFAULT_FILE = Path("playground.db")


async def run_playground(
    settings: Settings,
    *,
    port: int = DEFAULT_PORT,
    path: Path = DEFAULT_FILE,
    fresh: bool = False,
    today: datetime = TODAY,
    because_no_token: bool = False,
) -> None:
    if settings.logging.level == "INFO":  # the default: the page's line is not buried
        logging.getLogger().setLevel(logging.WARNING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    playground = Playground(path, settings, fresh=fresh, today=today)
    await playground.start()
    site = Site(playground, port)
    try:
        try:
            await site.start()
        except OSError as error:
            raise PortBusy(f"127.0.0.1:{port} cannot be used ({error.strerror})") from error
        why = "no bot token set: " if because_no_token else ""
        print(
            f"Playground at {site.address} ({why}the real bot on demo data, without Telegram;"
            " to connect a real bot, see README.md, 'Connecting a real bot'). Ctrl-C stops it.",
            flush=True,
        )
        await stop.wait()
    finally:
        await site.stop()
        await playground.stop()
