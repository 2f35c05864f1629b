"""Shared fixtures: a clean environment, databases (SQLite always, PostgreSQL when configured),
the fake Bot API server and the production application running against it."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import socket
import textwrap
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.app import build_application, runtime_of
from bot.config import DatabaseSettings, Settings
from bot.config.logs import QUIET_LOGGERS
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.services.privacy_crypto import generate_key
from bot.telegram.context import BotApplication
from bot.telegram.runner import prepare_database, serve
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from tests.clock import FakeClock
from tests.fake_telegram import FakeTelegram

# Hypothesis's default 200 ms deadline is a timed assertion: on a loaded machine (CI's two
# cores running four workers) it fails tests that are right. Speed is measured in benchmarks/.
hypothesis.settings.register_profile("gwbot", deadline=None)
hypothesis.settings.load_profile("gwbot")

PG_URL_VARIABLE = "GWBOT_TEST_DATABASE_URL"
TEST_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
# The end-to-end bot has anonymous concerns enabled unless a test is marked otherwise.
TEST_PRIVACY_KEY = generate_key()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's GWBOT_ variables or config.toml leak into a test; files go to tmp_path."""
    for name in list(os.environ):
        if name.upper().startswith("GWBOT_") and not name.upper().startswith("GWBOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`gwbot` configures logging globally; give every test the configuration it started with."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def postgres_url() -> str:
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_URL_VARIABLE} must be set in CI: PostgreSQL tests never skip there")
        pytest.skip(f"PostgreSQL not configured: set {PG_URL_VARIABLE} to run this test on it")
    return url


# Every PostgreSQL test runs in a schema of this name, so `[database] schema` is exercised
# throughout (PostgreSQL's own default is `public`).
PG_SCHEMA = "gwbot_test"


async def _admin_sql(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database at the newest schema, migrated once per test process: each test
    gets a copy (CREATE DATABASE ... TEMPLATE, about 0.1 s) instead of running every migration
    (about 2 s). The migrations themselves are tested from scratch in test_migrations.py."""
    url = postgres_url()
    name = f"gwbot_tpl_{uuid.uuid4().hex[:12]}"
    _run_apart(_admin_sql(url, f'CREATE DATABASE "{name}"'))
    try:
        _run_apart(upgrade_database(_with_database(url, name), schema=PG_SCHEMA))
        yield name
    finally:
        _run_apart(_admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run_apart(coroutine: Coroutine[Any, Any, object]) -> None:
    """Run `coroutine` on an event loop of its own: the template is first asked for from
    inside a test's running loop, where asyncio.run is not allowed."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _postgres_database(
    request: pytest.FixtureRequest, *, migrated: bool
) -> AsyncIterator[DatabaseSettings]:
    url = postgres_url()
    name = f"gwbot_t_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{request.getfixturevalue("postgres_template")}"' if migrated else ""
    await _admin_sql(url, f'CREATE DATABASE "{name}"{template}')
    try:
        yield DatabaseSettings(url=_with_database(url, name), schema=PG_SCHEMA)
    finally:
        await _admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite_template: Path
) -> AsyncIterator[DatabaseSettings]:
    """A database of each kind at the newest schema, of this test's own: SQLite copied from a
    template file, PostgreSQL a database copied from a template database, dropped afterwards."""
    if request.param == "sqlite":
        path = tmp_path / "gwbot.db"
        shutil.copyfile(migrated_sqlite_template, path)
        yield DatabaseSettings(url=f"sqlite+aiosqlite:///{path}")
        return
    async for settings in _postgres_database(request, migrated=True):
        yield settings


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseSettings]:
    """An empty database of each kind, for tests of the migrations and of `gwbot db upgrade`."""
    if request.param == "sqlite":
        yield DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'gwbot.db'}")
        return
    async for settings in _postgres_database(request, migrated=False):
        yield settings


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file at the newest schema, migrated once and copied for each test: the
    migrations themselves are tested in test_migrations.py."""
    path = tmp_path_factory.mktemp("template") / "gwbot.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
async def sessions(database: DatabaseSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The `database` fixture's database, for service tests. Modules that need more (an
    initiative, members) define their own `sessions`."""
    engine = make_engine(database.url, schema=database.schema_name)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def apply_initiative_text(
    sessions: async_sessionmaker[AsyncSession], text: str, directory: Path
) -> None:
    """Apply an initiative file given as (indented) TOML text, as `gwbot initiative` would."""
    path = directory / "initiative.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    async with sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(path))


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TEST_TOKEN) as server:
        yield server


def settings_for(
    fake: FakeTelegram,
    database: DatabaseSettings,
    privacy: dict[str, object] | None = None,
    **bot: object,
) -> Settings:
    return Settings(
        bot={"token": fake.token, "api_base_url": fake.base_url, "polling_timeout": 5, **bot},
        database=database,
        privacy=privacy or {},
        # Timed work runs when a test triggers the job, never on its own in the middle.
        scheduler={"interval_seconds": 3600},
    )


# Ports for servers a test starts itself (the webhook): below the kernel's ephemeral range
# (32768-60999 on Linux), which outgoing connections draw from, so a port found free here is
# not taken by a database connection before the server binds it; one block per xdist worker.
PORTS_PER_WORKER = 1000
FIRST_PORT = 20_000


def free_port() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = FIRST_PORT + int(worker or 0) % 12 * PORTS_PER_WORKER
    for port in random.sample(range(first, first + PORTS_PER_WORKER), PORTS_PER_WORKER):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port for a test server")


def webhook_settings() -> dict[str, object]:
    port = free_port()
    return {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_port": port,
        "webhook_secret": "test-secret",
    }


@dataclass
class RunningBot:
    application: BotApplication
    fake: FakeTelegram
    clock: FakeClock
    stopping: asyncio.Event
    serving: asyncio.Task[None]
    settings: Settings
    transport: str

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return runtime_of(self.application).sessions

    async def settle(self, timeout: float = 10) -> None:
        """A barrier instead of a quiet spell: every update the fake server holds was received
        and handled to its end (PTB marks an update done once its handlers returned), and then
        the outbox dispatcher ran a round that found nothing due - so whatever the bot was
        going to send by now has been sent. `timeout` bounds each wait; past it, this fails."""
        await self.fake.wait_idle(timeout)
        try:
            await asyncio.wait_for(self.application.update_queue.join(), timeout)
        except TimeoutError:
            raise AssertionError(f"updates still being handled after {timeout}s") from None
        runtime = runtime_of(self.application)
        runtime.outbox_wake.set()
        try:
            await asyncio.wait_for(runtime.outbox_idle.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"the outbox dispatcher was not idle within {timeout}s") from None

    async def stop(self) -> None:
        """Stop the bot cleanly, as SIGTERM would (the fixture's own stop then does nothing)."""
        self.stopping.set()
        await asyncio.wait_for(self.serving, timeout=30)

    async def restart(self) -> None:
        """Stop cleanly and start a new application on the same database, as a redeploy does:
        only what the database holds survives. (Process-level crashes: tests/test_restart.py.)"""
        await self.stop()
        started = await start_bot(self.fake, self.settings, self.clock, self.transport)
        self.application, self.stopping, self.serving = (
            started.application,
            started.stopping,
            started.serving,
        )


async def start_bot(
    fake: FakeTelegram, settings: Settings, clock: FakeClock, transport: str
) -> RunningBot:
    application = build_application(settings, clock=clock)
    stop = asyncio.Event()
    # Ready once PTB asked for updates or set its webhook: from then on what the driver sends
    # is answered.
    method = "setWebhook" if transport == "webhook" else "getUpdates"
    calls = len(fake.calls_to(method))
    task = asyncio.create_task(serve(application, stop))
    ready = asyncio.create_task(fake.wait_for_call(method, count=calls + 1))
    await asyncio.wait([task, ready], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
        raise AssertionError("the bot stopped before it polled for updates")
    running = RunningBot(application, fake, clock, stop, task, settings, transport)
    # What a driver's expect_no_message waits for before it looks.
    fake.settle = running.settle
    return running


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """End-to-end tests receive updates by polling; those marked `both_transports` - where the
    way updates arrive matters: receiving them at all, redelivery, faults, restarts, quiet
    updates - by webhook too. What happens after an update arrived is the same either way."""
    if "transport" not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if "transport" in (names.split(",") if isinstance(names, str) else names):
            return  # the test chose itself
    both = metafunc.definition.get_closest_marker("both_transports") is not None
    metafunc.parametrize("transport", ["polling", "webhook"] if both else ["polling"])


@pytest.fixture
async def bot(
    fake: FakeTelegram,
    database: DatabaseSettings,
    transport: str,
    request: pytest.FixtureRequest,
) -> AsyncIterator[RunningBot]:
    """The production application against the fake server, on a migrated database."""
    extra = webhook_settings() if transport == "webhook" else {}
    keyless = request.node.get_closest_marker("without_privacy_key") is not None
    privacy: dict[str, object] = {} if keyless else {"key": TEST_PRIVACY_KEY}
    settings = settings_for(fake, database, privacy, request_timeout=2, **extra)
    await prepare_database(settings)
    # Today at noon in Berlin: messages that wait out quiet hours (default 20:00 to 7:00) do
    # not make a test's outcome depend on the hour it runs at.
    noon = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0)
    running = await start_bot(fake, settings, FakeClock(noon), transport)
    try:
        yield running
    finally:
        await running.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The year-long simulations (tests/test_year.py) take minutes each: they go where two
    different workers start with them (xdist hands each worker a first chunk of consecutive
    tests, a quarter of its share), so they run side by side while the rest is shared out."""
    years: list[pytest.Item] = []
    rest: list[pytest.Item] = []
    for item in items:
        (years if item.nodeid.startswith("tests/test_year.py") else rest).append(item)
    if not years:
        return
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    chunk = max(len(items) // max(workers, 1) // 4, 2) if workers > 1 else 1
    ordered: list[pytest.Item] = []
    for year in years:
        ordered.append(year)
        ordered.extend(rest[: chunk - 1])
        rest = rest[chunk - 1 :]
    items[:] = ordered + rest
