"""/help round trips of gwbot against a bare PTB echo bot, on the same fake server, same run.

Each bot runs as its own process (the bot process is the bottleneck, DESIGN section 8); the
fake Bot API server and the simulated users run here. Two phases per bot:

- burst: every user sends `--per-user` /help messages at once; updates per second and the
  p50/p95 time from sending to the reply;
- sequential: one user, one message at a time; p50/p95 round trip without load.

Bots run alternately for `--rounds` rounds and the medians are compared. The result is printed
as a table of ratios to the echo bot and written as JSON. Not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from storage.models import Member, Organisation, Role
from tests.fake_telegram import FakeTelegram, FakeUser

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "help_roundtrip.json"
TOKEN = "123456:BENCHMARK-TOKEN"


@dataclass
class Phase:
    updates_per_second: float
    p50_ms: float
    p95_ms: float


@dataclass
class Run:
    bot: str
    burst: Phase
    sequential: Phase


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def add_members(url: str, users: list[FakeUser]) -> None:
    await upgrade_database(url)
    engine = make_engine(url)
    sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(engine)
    async with sessions.begin() as session:
        org = Organisation(code="awo", name="AWO Kreisverband Neustadt", kind="Verein")
        session.add_all(
            Member(telegram_id=u.id, display_name=u.first_name, organisation=org, role=Role.PARTNER)
            for u in users
        )
    await engine.dispose()


async def next_reply_time(user: FakeUser) -> float:
    while True:
        event = await user.next_event(timeout=120)
        if event.kind == "message":
            return event.at


async def measure(user_batches: list[list[FakeUser]], text: str) -> tuple[float, list[float]]:
    """Send one message per user in each batch at once; returns (seconds, latencies)."""
    latencies: list[float] = []
    started = time.monotonic()
    for batch in user_batches:
        sent = {}
        for user in batch:
            sent[user.id] = time.monotonic()
            await user.send(text)
        replies = await asyncio.gather(*(next_reply_time(user) for user in batch))
        latencies += [at - sent[user.id] for user, at in zip(batch, replies, strict=True)]
    return time.monotonic() - started, latencies


async def run_bot(bot: str, args: argparse.Namespace, workdir: Path) -> Run:
    async with FakeTelegram(token=TOKEN) as fake:
        users = [fake.user(first_name=f"User{i}", language_code="de") for i in range(args.users)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GWBOT_")}
        env |= {"GWBOT_BOT__TOKEN": TOKEN, "GWBOT_BOT__API_BASE_URL": fake.base_url}
        env["PYTHONPATH"] = str(ROOT)
        if bot == "gwbot":
            url = f"sqlite+aiosqlite:///{workdir / f'bench-{time.monotonic_ns()}.db'}"
            await add_members(url, users)
            env |= {"GWBOT_DATABASE__URL": url, "GWBOT_LOGGING__LEVEL": "WARNING"}
            command = [sys.executable, "-m", "bot", "run"]
        else:
            command = [sys.executable, "-m", "benchmarks.echo_bot"]
        process = await asyncio.create_subprocess_exec(*command, env=env, cwd=workdir)
        try:
            await fake.wait_for_call("getUpdates", timeout=60)
            await measure([users], "/help")  # warm-up: imports, connections, caches
            # Burst: all users' messages are queued before the bot fetches them.
            seconds, latencies = await measure_burst(users, args.per_user)
            burst = Phase(
                len(latencies) / seconds,
                percentile(latencies, 0.5) * 1000,
                percentile(latencies, 0.95) * 1000,
            )
            seconds, latencies = await measure([[users[0]]] * args.sequential, "/help")
            sequential = Phase(
                len(latencies) / seconds,
                percentile(latencies, 0.5) * 1000,
                percentile(latencies, 0.95) * 1000,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=60)
    return Run(bot, burst, sequential)


async def measure_burst(users: list[FakeUser], per_user: int) -> tuple[float, list[float]]:
    started = time.monotonic()
    sent: dict[int, list[float]] = {user.id: [] for user in users}
    for _ in range(per_user):
        for user in users:
            sent[user.id].append(time.monotonic())
            await user.send("/help")

    async def replies(user: FakeUser) -> list[float]:
        return [await next_reply_time(user) for _ in range(per_user)]

    received = await asyncio.gather(*(replies(user) for user in users))
    latencies = [
        reply - send
        for user, times in zip(users, received, strict=True)
        for send, reply in zip(sent[user.id], times, strict=True)
    ]
    return max(max(times) for times in received) - started, latencies


def median_phase(phases: list[Phase]) -> Phase:
    return Phase(
        statistics.median(p.updates_per_second for p in phases),
        statistics.median(p.p50_ms for p in phases),
        statistics.median(p.p95_ms for p in phases),
    )


def report(runs: list[Run]) -> dict[str, object]:
    table: dict[str, dict[str, Phase]] = {}
    for bot in ("echo", "gwbot"):
        mine = [run for run in runs if run.bot == bot]
        table[bot] = {
            "burst": median_phase([run.burst for run in mine]),
            "sequential": median_phase([run.sequential for run in mine]),
        }
    rows = []
    print(f"\n{'metric':<30}{'echo':>12}{'gwbot':>12}{'gwbot/echo':>12}")
    for phase in ("burst", "sequential"):
        for metric, label in (
            ("updates_per_second", "updates/s"),
            ("p50_ms", "p50 reply ms"),
            ("p95_ms", "p95 reply ms"),
        ):
            echo = getattr(table["echo"][phase], metric)
            ours = getattr(table["gwbot"][phase], metric)
            ratio = ours / echo if echo else float("nan")
            rows.append(
                {"phase": phase, "metric": metric, "echo": echo, "gwbot": ours, "ratio": ratio}
            )
            print(f"{phase + ' ' + label:<30}{echo:>12.1f}{ours:>12.1f}{ratio:>12.2f}")
    return {"rows": rows, "runs": [asdict(run) for run in runs]}


async def main_async(args: argparse.Namespace) -> None:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(args.rounds):
            for bot in ("echo", "gwbot"):
                run = await run_bot(bot, args, Path(tmp))
                print(
                    f"round {round_no + 1} {bot:<6} burst {run.burst.updates_per_second:7.1f}/s"
                    f"  p50 {run.burst.p50_ms:7.1f} ms  sequential p50"
                    f" {run.sequential.p50_ms:6.1f} ms",
                    flush=True,
                )
                runs.append(run)
    result = report(runs)
    result["settings"] = vars(args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--per-user", type=int, default=25)
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
