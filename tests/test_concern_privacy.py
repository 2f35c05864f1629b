"""The privacy promise of DESIGN section 6, under test: several people raise anonymous concerns
and talk them through with DEBUG logging on; then every table (but `members`) and the whole log
are searched for anything that tells who wrote, and when."""

from __future__ import annotations

import io
import re
import time
import types
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config.logs import configure_logging
from storage.models import Base, Concern, ConcernMessage, Member, ProcessedUpdate
from tests.concern_steps import Raised, desk_reply, open_desk, raise_concern, sealed_deliveries_gone
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import coordinator, member, run_jobs

# How updates arrive matters here: by polling and by webhook.
pytestmark = pytest.mark.both_transports

# Odd minutes, so no batch boundary (always on the hour) can look like them.
WRITTEN_AT = datetime(2026, 3, 17, 10, 17, 43, 512_345, tzinfo=UTC)
ANSWERED_AT = datetime(2026, 3, 17, 16, 42, 7, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Reporter:
    user: FakeUser
    first_name: str
    username: str
    concerns: list[Raised]


def watch(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Log everything at DEBUG into the returned buffer, and let the fake server date
    messages by the test's clock, so the times users wrote at are known."""
    fake_time = types.SimpleNamespace(
        time=lambda: bot.clock().timestamp(), monotonic=time.monotonic
    )
    monkeypatch.setattr("bot.fake_telegram.state.time", fake_time)
    log = io.StringIO()
    configure_logging("DEBUG", stream=log)
    return log


def forms_of(moment: datetime) -> list[str]:
    """Ways a time to the minute could be written into a row or a log line."""
    found = [str(int(moment.timestamp()))]
    for zone in (UTC, BERLIN):
        local = moment.astimezone(zone)
        found += [local.strftime("%Y-%m-%d %H:%M"), local.strftime("%Y-%m-%dT%H:%M")]
    return found


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """Which secrets occur in `text`, each as a whole token (not inside a longer one)."""
    return [
        label
        for label, secret in secrets.items()
        if re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text, re.IGNORECASE)
    ]


async def dump(bot: RunningBot, skip: set[str]) -> dict[str, list[dict[str, object]]]:
    tables: dict[str, list[dict[str, object]]] = {}
    async with bot.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = (await session.execute(select(table))).mappings().all()
            tables[table.name] = [dict(row) for row in rows]
    return tables


async def every_update_marked(bot: RunningBot, user_ids: list[int]) -> None:
    """These users' updates were marked handled like everyone's (each quiet one alone in its
    transaction), so no gap among the ids of processed_updates tells which were quiet. The
    mark of the last update follows its answer: ask once the bot settled, or stopped."""
    theirs = set().union(*(bot.fake.update_ids_of(user_id) for user_id in user_ids))
    assert theirs, "the fake server recorded none of their updates"
    async with bot.sessions() as session:
        marked = set((await session.scalars(select(ProcessedUpdate.update_id))).all())
    assert theirs <= marked, "quiet updates left gaps in processed_updates"


async def member_rows(bot: RunningBot, ids: list[int]) -> list[dict[str, object]]:
    async with bot.sessions() as session:
        table = Member.__table__
        rows = await session.execute(select(table).where(table.c.telegram_id.in_(ids)))
        return [dict(row) for row in rows.mappings().all()]


async def test_anonymous_concerns_leave_no_trace(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = watch(bot, monkeypatch)
    bot.clock.now = WRITTEN_AT

    clara = await coordinator(bot)
    reporters = []
    for number, (first, last) in enumerate(
        [("Quirina", "Wendeling"), ("Balthasar", "Oberndorf"), ("Zenobia", "Marquardt")]
    ):
        username = f"{first.lower()}_{number}x"
        user = await member(
            bot,
            f"{first} {last}",
            user_id=5_300_000_011 + 7_919 * number,
            username=username,
            organisation=f"org{number}",
            organisation_name=f"Träger Nummer {number}",
        )
        reporters.append(Reporter(user, first, username, []))
    ids = [r.user.id for r in reporters]
    before = await member_rows(bot, ids)

    # Everyone writes two concerns the same way, so only what the bot adds could tell them apart.
    for reporter in reporters:
        first = await raise_concern(reporter.user, "Wir werden bei Terminen übergangen.")
        second = await raise_concern(
            reporter.user,
            "Die Mittel für das Projekt reichen nicht.",
            category="Ressourcen",
            severity="Kann warten",
            notify=False,
        )
        reporter.concerns += [first, second]
        assert second.receipt
        await reporter.user.send(second.receipt)  # reading the thread with the code
        await reporter.user.next_message()

    # The office answers later; the reporters answer in turn.
    bot.clock.now = ANSWERED_AT.replace(hour=13)
    await run_jobs(bot)
    await clara.next_message()
    for reporter in reporters:
        listing = await open_desk(clara, reporter.concerns[0].ticket)
        await desk_reply(clara, listing, "Danke, wir melden uns.")
    bot.clock.now = ANSWERED_AT
    for reporter in reporters:
        reply = await reporter.user.next_message()
        await reporter.user.send("Passt, danke.", reply_to=reply)
        await reporter.user.next_message()
    await sealed_deliveries_gone(bot)
    # A clean stop: every update handled and marked, and what waited for its batch written.
    await bot.stop()
    await every_update_marked(bot, ids)

    secrets: dict[str, str] = {}
    for reporter in reporters:
        secrets[f"id {reporter.user.id}"] = str(reporter.user.id)
        secrets[f"username {reporter.username}"] = reporter.username
        secrets[f"first name {reporter.first_name}"] = reporter.first_name
        for raised in reporter.concerns:
            assert raised.receipt
            secrets[f"receipt {raised.receipt}"] = raised.receipt
            secrets[f"receipt {raised.receipt} undashed"] = raised.receipt.replace("-", "")
    for moment in (WRITTEN_AT, ANSWERED_AT):
        for form in forms_of(moment):
            secrets[f"time {form}"] = form

    tables = await dump(bot, skip={"members"})
    for name, rows in tables.items():
        found = leaks(repr(rows), secrets)
        assert not found, f"table {name} holds {found}"
    found = leaks(log.getvalue(), secrets)
    assert not found, f"the log holds {found}"
    assert await member_rows(bot, ids) == before, "the reporters' member rows changed"

    # No value ties one person's concerns together that other people's concerns lack.
    async with bot.sessions() as session:
        concerns = {c.ticket: c for c in (await session.scalars(select(Concern))).all()}
        messages = (await session.scalars(select(ConcernMessage))).all()
    columns = [c.key for c in Concern.__table__.columns]
    for reporter in reporters:
        own = [concerns[raised.ticket] for raised in reporter.concerns]
        others = [c for c in concerns.values() if c not in own]
        for column in columns:
            values = {getattr(c, column) for c in own}
            if len(values) == 1:
                (value,) = values
                assert any(getattr(c, column) == value for c in others), (
                    f"{reporter.first_name}'s concerns alone share {column} = {value!r}"
                )
    for message in messages:
        # Times of messages are batch ends (on the hour), never the minute they were written.
        assert message.batch_at.minute == 0 and message.batch_at.second == 0
    assert all(c.batch_at.minute == 0 for c in concerns.values())
