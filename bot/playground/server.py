"""`gwbot playground`: the real bot (build_application, its database code, timed steps and
outbox) against the built-in fake Bot API server, on demo data of its own, with a web page
(bot.playground.web) that plays the demo people.

The clock is virtual: it starts at the demo's "today" (bot.playground.history.TODAY), runs on
with real time, and the page moves it on by an hour, a day or a week; each step runs the timed
steps (reminders, escalations, surveys, concern batches) as the scheduler would have. Where
the clock stands is kept beside the database (`playground.json`, with the playground's own
privacy key), so a restart goes on from there. A missing database or state file (or `--fresh`)
builds the demo data anew; `gwbot.db` and the configured database are never used.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.app import build_application, runtime_of
from bot.config import Settings
from bot.fake_telegram import FakeTelegram, FakeUser
from bot.playground.history import TODAY, build_history
from bot.playground.people import Person, demo_people
from bot.presentation.menus import publish_member_menu
from bot.scheduling.jobs import STEPS_KEY, TimedSteps
from bot.services.invites import COMMAND_LINE, create_invite
from bot.services.members import find_member
from bot.services.privacy_crypto import PrivacyKey, generate_key
from bot.telegram.context import BotApplication
from bot.telegram.runner import prepare_database, serve
from storage.models import Delivery, DeliveryState, Role

log = logging.getLogger(__name__)

STATE_VERSION = 1
TOKEN = "424242:PLAYGROUND-not-a-real-token"
BOT_USERNAME = "gemeinsam_wirken_demo_bot"
BOT_NAME = "Gemeinsam-Wirken-Bot (Spielwiese)"
# How long a clean stop may take before the bot is cancelled.
STOP_SECONDS = 20
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


class PlaygroundClock:
    """Virtual UTC time: a start that runs on with real (monotonic) time, plus what the page
    added."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._began = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._began)

    def advance(self, step: timedelta) -> None:
        self._start += step


@dataclass
class Playground:
    """Everything of one running playground; `start` it, then `stop` it."""

    path: Path
    base: Settings
    fresh: bool = False
    # The demo's "today" when the data are built: history up to it, the clock from it.
    today: datetime = TODAY
    people: list[Person] = field(default_factory=demo_people)
    users: dict[str, FakeUser] = field(default_factory=dict)
    invite_link: str | None = None
    built_seconds: float | None = None

    def __post_init__(self) -> None:
        self.state_path = self.path.with_suffix(".json")
        self.fake = FakeTelegram(TOKEN, BOT_USERNAME, BOT_NAME)
        self._stop = asyncio.Event()
        self._serving: asyncio.Task[None] | None = None
        self._moving = asyncio.Lock()
        self.application: BotApplication | None = None
        self.clock = PlaygroundClock(TODAY)

    @property
    def url(self) -> str:
        return f"sqlite+aiosqlite:///{self.path}"

    async def start(self) -> None:
        key, now = await self._prepare()
        self.clock = PlaygroundClock(now)
        await self.fake.start()
        for member in _all_members():
            self.fake.user(*member)
        for person in self.people:
            user = self.fake.known_user(person.telegram_id) or self.fake.user(
                person.telegram_id, person.first_name, person.last_name, None, person.language
            )
            self.users[person.key] = user
        settings = self.settings(key)
        self.application = build_application(settings, clock=self.clock)
        polls = len(self.fake.calls_to("getUpdates"))
        self._serving = asyncio.create_task(serve(self.application, self._stop))
        ready = asyncio.create_task(self.fake.wait_for_call("getUpdates", polls + 1, 60))
        await asyncio.wait([self._serving, ready], return_when=asyncio.FIRST_COMPLETED)
        if self._serving.done():
            ready.cancel()
            self._serving.result()
            raise RuntimeError("the playground's bot stopped before it started")
        await self._invite()
        await self._menus()

    async def _menus(self) -> None:
        """Each demo member's command menu, as joining in chat would have set it (the demo
        history joined them through the services)."""
        runtime = runtime_of(self._app)
        for person in self.people:
            async with runtime.reads() as session:
                member = await find_member(session, person.telegram_id)
            if member is not None:
                await publish_member_menu(
                    self._app.bot, runtime.translator, person.telegram_id,
                    member.language or person.language,
                    member.role,
                )  # fmt: skip

    def settings(self, key: str) -> Settings:
        """The configured settings, with the fake Bot API, the playground's own database and
        key, and an outbox as fast as the fake allows."""
        return Settings(
            bot={
                "token": TOKEN,
                "username": BOT_USERNAME,
                "api_base_url": self.fake.base_url,
                "polling_timeout": 10,
                "default_language": self.base.bot.default_language,
            },
            database={"url": self.url, "sqlite_synchronous": "OFF"},
            logging=self.base.logging.model_dump(),
            privacy={**self.base.privacy.model_dump(), "key": key},
            # As fast as the fake allows; a claimed batch is the dispatcher's for a virtual day,
            # so moving the clock on never takes it away in the middle.
            outbox={
                "rate": 500,
                "per_chat_seconds": 0,
                "in_flight": 32,
                "lease_seconds": 86_400,
            },
            signals=self.base.signals.model_dump(),
            progress=self.base.progress.model_dump(),
        )

    async def _prepare(self) -> tuple[str, datetime]:
        """The privacy key and the clock: read, or the demo data built anew."""
        state = None if self.fresh else _read_state(self.state_path)
        if state is not None and self.path.exists():
            try:
                await prepare_database(Settings(database={"url": self.url}))
                return state
            except Exception:
                log.warning("the playground's database could not be used; building it anew")
        print(
            f"Building the playground's demo data in {self.path} (once, some seconds) ...",
            file=sys.stderr,
            flush=True,
        )
        for stale in (self.path, *self.path.parent.glob(self.path.name + "-*")):
            stale.unlink(missing_ok=True)
        self.state_path.unlink(missing_ok=True)
        key = generate_key()
        settings = Settings(
            database={"url": self.url, "sqlite_synchronous": "OFF"}, privacy={"key": key}
        )
        await prepare_database(settings)
        built = await build_history(settings, PrivacyKey.from_text(key), self.today)
        self.built_seconds = built.seconds
        _write_state(self.state_path, key, self.today)
        return key, self.today

    async def _invite(self) -> None:
        """A fresh invite link for the outsider, as long as they have not joined."""
        outsider = next(p for p in self.people if p.invited_to)
        runtime = runtime_of(self._app)
        async with runtime.sessions.begin() as session:
            if await find_member(session, outsider.telegram_id) is not None:
                self.invite_link = None
                return
            assert outsider.invited_to is not None
            invite = await create_invite(
                session,
                organisation_code=outsider.invited_to,
                role=Role.PARTNER,
                now=self.clock(),
                inviter=COMMAND_LINE,
            )
        self.invite_link = f"https://t.me/{BOT_USERNAME}?start={invite.code}"

    @property
    def _app(self) -> BotApplication:
        assert self.application is not None
        return self.application

    async def joined(self, telegram_id: int) -> bool:
        async with runtime_of(self._app).reads() as session:
            return await find_member(session, telegram_id) is not None

    async def advance(self, step: str) -> None:
        """Move the clock on by an hour, a day or a week (day by day, running the timed steps
        after each), and let the outbox send what fell due."""
        total = STEPS[step]
        async with self._moving:
            stride = min(total, timedelta(days=1))
            moved = timedelta(0)
            steps = self._app.bot_data[STEPS_KEY]
            assert isinstance(steps, TimedSteps)
            while moved < total:
                # The outbox first sends what fell due: a batch it holds must not see its
                # lease run out by the jump.
                await self._outbox_idle()
                self.clock.advance(stride)
                moved += stride
                await steps.hourly()
                await steps.tick()
                runtime_of(self._app).outbox_wake.set()
            self._save()
        self.fake.changed.notify()

    async def _outbox_idle(self, patience: float = 30.0) -> None:
        """Wait (at most `patience` seconds) until the outbox has sent what is due."""
        runtime = runtime_of(self._app)
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            now = self.clock()
            async with runtime.reads() as session:
                busy = await session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(
                        (
                            (Delivery.state == DeliveryState.PENDING.value)
                            & (Delivery.not_before <= now)
                        )
                        | (Delivery.state == DeliveryState.SENDING.value)
                    )
                )
            if not busy:
                return
            runtime.outbox_wake.set()
            # Each message the fake receives wakes this; else look again in a moment.
            await self.fake.changed.wait_for(lambda: None, 0.1)

    def _save(self) -> None:
        key = self._app.bot_data["runtime"].settings.privacy.key
        _write_state(self.state_path, key.get_secret_value(), self.clock())

    async def stop(self) -> None:
        self._stop.set()
        if self._serving is not None:
            done, _ = await asyncio.wait({self._serving}, timeout=STOP_SECONDS)
            if not done:
                # Defensive: a playground left on a laptop must end when asked, and demo
                # data lose nothing by a harder stop.
                log.warning(
                    "the playground's bot did not stop in %d s; cancelling it", STOP_SECONDS
                )
                self._serving.cancel()
            with contextlib.suppress(BaseException):
                await self._serving
            self._save()
        await self.fake.stop()


def _all_members() -> list[tuple[int, str, str, None, str]]:
    from bot.demo import year

    found = []
    for member in year.initiative(1).members:
        first, _, last = member.name.partition(" ")
        found.append((member.telegram_id, first, last, None, member.language))
    return found


def _read_state(path: Path) -> tuple[str, datetime] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            return None
        PrivacyKey.from_text(data["privacy_key"])
        return data["privacy_key"], datetime.fromisoformat(data["now"]).astimezone(UTC)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_state(path: Path, key: str, now: datetime) -> None:
    data = {"version": STATE_VERSION, "privacy_key": key, "now": now.isoformat()}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
