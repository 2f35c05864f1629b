"""Schedule engine benchmark (issue 11).

1. Start-up of the bot (schema check, application, menus, the first engine pass) with 10,000
   members and 10,000 schedules against start-up with none: ratio (goal <= 2).
2. One engine pass over 10,000 due schedules against the job's interval of 30 s: share of the
   interval (goal < 0.1).

Runs in-process against the fake Bot API server; SQLite by default, GWBOT_TEST_DATABASE_URL
for PostgreSQL (a fresh schema per run). Results are printed and written as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.help_roundtrip import ROOT
from tests.fake_telegram import FakeTelegram

RESULTS = ROOT / "benchmarks" / "results" / "schedules.json"
TOKEN = "123456:BENCHMARK-TOKEN"
COUNT = 10_000
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


async def fill(url: str, schema: str | None, count: int, due: bool) -> None:
    from storage.engine import make_engine, make_sessionmaker
    from storage.models import Initiative, Member, Organisation, Schedule

    engine = make_engine(url, schema=schema)
    async with make_sessionmaker(engine).begin() as session:
        session.add(
            Initiative(
                id=1,
                name="Bench",
                timezone="Europe/Berlin",
                default_language="de",
                start=date(2026, 1, 1),
                holidays="DE-NI",
            )
        )
        organisation = Organisation(code="org", name="Org")
        session.add(organisation)
        await session.flush()
        session.add_all(
            Member(
                telegram_id=10_000_000 + i,
                display_name=f"M{i}",
                organisation_id=organisation.id,
                role="partner",
                language="de",
            )
            for i in range(count)
        )
        # Each schedule reaches one small organisation, so the pass measures the engine and not
        # the outbox.
        small = Organisation(code="klein", name="Klein")
        session.add(small)
        await session.flush()
        session.add(
            Member(
                telegram_id=9_999_999,
                display_name="K",
                organisation_id=small.id,
                role="partner",
                language="de",
            )
        )
        next_fire = NOW - timedelta(minutes=1) if due else NOW + timedelta(days=7)
        session.add_all(
            Schedule(
                code=f"s{i}",
                kind="custom",
                rrule="FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0",
                starts=date(2026, 1, 6),
                audience={"organisations": ["klein"]},
                text_de="Erinnerung",
                text_en="",
                next_fire_at=next_fire,
                origin="file",
            )
            for i in range(count)
        )
    await engine.dispose()


async def startup(url: str, count: int) -> float:
    from bot.app import build_application
    from bot.config import Settings
    from bot.scheduling.jobs import run_schedules
    from bot.telegram.runner import prepare_database
    from tests.clock import FakeClock

    schema = f"bench_{uuid.uuid4().hex[:8]}" if url.startswith("postgresql") else None
    with tempfile.TemporaryDirectory() as tmp:
        if not url.startswith("postgresql"):
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'gwbot.db'}"
        async with FakeTelegram(token=TOKEN) as fake:
            database = {"url": url} | ({"schema": schema} if schema else {})
            settings = Settings(
                bot={"token": TOKEN, "api_base_url": fake.base_url}, database=database
            )
            await prepare_database(settings)
            await fill(url, schema, count, due=False)
            started = time.perf_counter()
            await prepare_database(settings)
            application = build_application(settings, clock=FakeClock(NOW))
            await application.initialize()
            assert application.post_init
            await application.post_init(application)
            context = type("Context", (), {"bot_data": application.bot_data})()
            await run_schedules(context)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - started
            await application.shutdown()
        await _drop(url, schema)
    return elapsed


async def engine_pass(url: str, count: int) -> float:
    from bot.i18n import Translator
    from bot.services.schedules import run_due
    from handlers.reminders.texts import reminder_hooks
    from storage.engine import make_engine, make_sessionmaker
    from storage.migrate import upgrade_database

    schema = f"bench_{uuid.uuid4().hex[:8]}" if url.startswith("postgresql") else None
    with tempfile.TemporaryDirectory() as tmp:
        if not url.startswith("postgresql"):
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'gwbot.db'}"
        await upgrade_database(url, schema=schema)
        await fill(url, schema, count, due=True)
        hooks = reminder_hooks(Translator("de"))
        engine = make_engine(url, schema=schema)
        started = time.perf_counter()
        async with make_sessionmaker(engine).begin() as session:
            fired = await run_due(session, NOW, hooks)
        elapsed = time.perf_counter() - started
        await engine.dispose()
        assert fired == count, fired
        await _drop(url, schema)
    return elapsed


async def _drop(url: str, schema: str | None) -> None:
    if schema is None:
        return
    from storage.engine import make_engine

    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await engine.dispose()


async def main() -> dict[str, Any]:
    url = os.environ.get("GWBOT_TEST_DATABASE_URL", "sqlite+aiosqlite:///unused.db")
    await startup(url, 0)  # warm-up: the first start also pays for imports
    empty = await startup(url, 0)
    full = await startup(url, COUNT)
    one_pass = await engine_pass(url, COUNT)
    results = {
        "database": url.split("+")[0],
        "startup_empty_s": round(empty, 3),
        "startup_10k_s": round(full, 3),
        "startup_ratio": round(full / empty, 2),
        "startup_goal": "<= 2",
        "pass_10k_due_s": round(one_pass, 3),
        "pass_share_of_30s_interval": round(one_pass / 30, 3),
        "pass_goal": "< 0.1",
    }
    print(f"{'measure':<34} {'value':>10}  goal")
    print(f"{'start-up, empty (s)':<34} {empty:>10.3f}")
    print(f"{'start-up, 10k members+schedules':<34} {full:>10.3f}")
    print(f"{'start-up ratio':<34} {full / empty:>10.2f}  <= 2")
    print(f"{'engine pass, 10k due (s)':<34} {one_pass:>10.3f}")
    print(f"{'pass / 30 s job interval':<34} {one_pass / 30:>10.3f}  < 0.1")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    asyncio.run(main())
