"""Driving the playground's page in headless Chromium (Debian's `chromium` and
`chromium-driver`, through Selenium): a running playground, a browser, and a person's moves.

Waits are WebDriver waits on what the page shows, never sleeps. Screenshots for the user
guide (docs/anleitung.md) are written to docs/images/ by `shot`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.config import Settings
from bot.demo import year
from bot.playground.server import Playground
from bot.playground.web import Site

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
WAIT = 30.0
# The demo's "today" in the browser test: two and a half months of history build in a third
# of the time of the default's five and a half, and show everything the steps look at.
TODAY = year._local(date(2026, 3, 16), 10, 30)
# A phone-sized window: what most partner staff use.
WINDOW = (430, 900)


def browser_paths() -> tuple[str, str]:
    """Debian's chromium and its driver; skipped (with the reason) where they are missing,
    failed in CI, where `make test` installs them."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    reason = (
        "browser tests need Debian's chromium and chromium-driver"
        " (`make test` installs them with apt when run as root)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason + "; in CI they must run")
    pytest.skip(reason)


@dataclass
class Running:
    playground: Playground
    site: Site
    loop: asyncio.AbstractEventLoop

    @property
    def address(self) -> str:
        return self.site.address

    def call(self, coroutine: object) -> object:
        """Run a coroutine on the playground's loop, from the test's thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(WAIT)  # type: ignore[arg-type]


@contextmanager
def running_playground(directory: Path) -> Iterator[Running]:
    """The playground (demo data built in `directory`) and its page on a free port, served
    by an event loop in a thread of its own while the (synchronous) browser test runs."""
    loop = asyncio.new_event_loop()
    ready: Future[Running] = Future()
    stop = asyncio.Event()

    async def serve() -> None:
        playground = Playground(directory / "playground.db", Settings(), today=TODAY)
        try:
            await playground.start()
            site = Site(playground, 0)
            await site.start()
        except BaseException as error:
            ready.set_exception(error)
            raise
        ready.set_result(Running(playground, site, loop))
        await stop.wait()
        await site.stop()
        await playground.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield ready.result(timeout=180)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)


@contextmanager
def chromium(language: str = "de-DE") -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--lang={language}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
