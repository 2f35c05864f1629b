"""Outbox benchmark: 1,000 deliveries through `gwbot worker` against the fake Bot API server.

1. Telegram's limits enforced by the fake (30 messages/s overall, 1/s per chat, 429 beyond):
   achieved rate / 30 (goal >= 0.9), 429s received, lost and duplicated (goal 0 and 0).
2. The same with `gwbot run` and `gwbot worker` side by side, both sending: their rate against
   the one process's of step 1 (goal >= 0.9) and their 429s (goal: no more than one process),
   lost and duplicated (goal 0 and 0).
3. Limits lifted: the worker's throughput against a bare PTB loop sending the same 1,000
   messages to the same fake server in the same run (goal >= 0.7).

Each sender is its own process; the server runs here. SQLite by default; set
GWBOT_TEST_DATABASE_URL for PostgreSQL. Results are printed and written as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.help_roundtrip import ROOT
from tests.fake_telegram import FakeTelegram
from tests.test_worker import recipients

RESULTS = ROOT / "benchmarks" / "results" / "outbox.json"
TOKEN = "123456:BENCHMARK-TOKEN"


def env_for(fake: FakeTelegram, url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GWBOT_")}
    return env | {
        "PYTHONPATH": str(ROOT),
        "GWBOT_BOT__TOKEN": TOKEN,
        "GWBOT_BOT__API_BASE_URL": fake.base_url,
        "GWBOT_DATABASE__URL": url,
        "GWBOT_LOGGING__LEVEL": "WARNING",
        **extra,
    }


async def run_senders(
    count: int, url: str, limited: bool, rate: str, commands: tuple[str, ...] = ("worker",)
) -> dict[str, Any]:
    from storage.engine import make_engine, make_sessionmaker
    from storage.migrate import upgrade_database

    # On PostgreSQL each run gets a fresh schema of its own, dropped afterwards.
    schema = f"bench_{uuid.uuid4().hex[:8]}" if url.startswith("postgresql") else None
    extra = {"GWBOT_OUTBOX__RATE": rate} | ({"GWBOT_DATABASE__SCHEMA": schema} if schema else {})
    async with FakeTelegram(token=TOKEN) as fake:
        if limited:
            fake.faults.rate_limit(per_second=30, per_chat_per_second=1, retry_after=1)
        await upgrade_database(url, schema=schema)
        engine = make_engine(url, schema=schema)
        users = await recipients(fake, make_sessionmaker(engine), count)
        await engine.dispose()
        started = time.monotonic()
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", command, env=env_for(fake, url, extra)
            )
            for command in commands
        ]
        try:
            for user in users:
                if not user.messages:
                    await user.next_message(timeout=600)
            last = max(e.at for e in fake.events if e.kind == "message")
            first_call = min(c.at for c in fake.calls_to("sendMessage"))
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                await process.wait()
            if schema:
                engine = make_engine(url)
                async with engine.begin() as conn:
                    await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                await engine.dispose()
        counts = Counter(e.chat_id for e in fake.events if e.kind == "message")
        rejected = sum(
            1
            for c in fake.calls_to("sendMessage")
            if c.response and c.response.get("error_code") == 429
        )
        return {
            "rate": count / max(last - first_call, 1e-9),
            "wall_seconds": time.monotonic() - started,
            "rejected_429": rejected,
            "lost": count - len(counts),
            "duplicated": sum(n - 1 for n in counts.values()),
        }


async def run_bare(count: int) -> float:
    async with FakeTelegram(token=TOKEN) as fake:
        users = [fake.user(first_name=f"R{i}") for i in range(count)]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.bare_sender",
            env=env_for(fake, "sqlite+aiosqlite:///unused.db", {}),
            stdin=asyncio.subprocess.PIPE,
        )
        await process.communicate("\n".join(str(u.chat_id) for u in users).encode())
        calls = fake.calls_to("sendMessage")
        return count / max(max(c.at for c in calls) - min(c.at for c in calls), 1e-9)


def report(what: str, result: dict[str, Any]) -> None:
    print(
        f"{what}: {result['rate']:.1f}/s = {result['rate'] / 30:.2f} of 30/s;"
        f" 429s {result['rejected_429']}, lost {result['lost']},"
        f" duplicated {result['duplicated']}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> None:
    url_base = os.environ.get("GWBOT_TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:

        def url(name: str) -> str:
            if url_base:
                return url_base  # PostgreSQL: each run in a schema of its own
            return f"sqlite+aiosqlite:///{Path(tmp) / name}"

        limited = await run_senders(args.count, url("limited.db"), True, "28")
        report("limited to 30/s, worker", limited)
        pair = await run_senders(args.count, url("pair.db"), True, "28", ("run", "worker"))
        report("limited to 30/s, run + worker", pair)
        free = await run_senders(args.count, url("free.db"), False, "1000")
        bare = await run_bare(args.count)
    ratio = free["rate"] / bare
    pair_ratio = pair["rate"] / limited["rate"]
    print(f"\n{'metric':<38}{'value':>12}{'goal':>12}")
    print(f"{'limited: rate / 30':<38}{limited['rate'] / 30:>12.2f}{'>= 0.9':>12}")
    print(f"{'limited: 429s received':<38}{limited['rejected_429']:>12}{'':>12}")
    print(f"{'limited: lost':<38}{limited['lost']:>12}{'0':>12}")
    print(f"{'limited: duplicated':<38}{limited['duplicated']:>12}{'0':>12}")
    print(f"{'run + worker: rate / one process':<38}{pair_ratio:>12.2f}{'>= 0.9':>12}")
    goal = f"<= {limited['rejected_429']}"
    print(f"{'run + worker: 429s received':<38}{pair['rejected_429']:>12}{goal:>12}")
    print(f"{'run + worker: lost':<38}{pair['lost']:>12}{'0':>12}")
    print(f"{'run + worker: duplicated':<38}{pair['duplicated']:>12}{'0':>12}")
    print(f"{'free: worker msgs/s':<38}{free['rate']:>12.1f}")
    print(f"{'free: bare PTB msgs/s':<38}{bare:>12.1f}")
    print(f"{'free: worker / bare':<38}{ratio:>12.2f}{'>= 0.7':>12}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "limited": limited,
                "run_and_worker": pair,
                "pair_rate_ratio": pair_ratio,
                "free": free,
                "bare_rate": bare,
                "ratio": ratio,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
