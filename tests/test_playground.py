"""`gwbot playground` as a fresh clone starts it (issue 25): the command builds its own demo
database, serves the page on 127.0.0.1 and refuses other hosts and origins; `make run`'s
`gwbot run --playground-without-token` starts it when there is no token, and the bot when
there is one."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main as cli

pytestmark = pytest.mark.timeout(240)


def fetch(
    url: str, *, host: str | None = None, origin: str | None = None, body: Any = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode())
    if host:
        request.add_header("Host", host)
    if origin:
        request.add_header("Origin", origin)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


async def test_gwbot_playground_builds_its_own_data_and_serves_the_page_to_its_own_address_only(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GWBOT_")}
    # A short history (January) keeps this quick; the browser test looks at a longer one.
    errors = (tmp_path / "stderr.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "playground", "--port", "0", "--today", "2026-01-19",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=errors,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 180)).decode()
        assert line.startswith("Playground at http://127.0.0.1:"), line
        assert "README.md" in line  # how to connect a real bot instead
        address = line.split()[2]
        port = address.rsplit(":", 1)[1]
        status, page = await asyncio.to_thread(fetch, address + "/")
        assert status == 200 and "Spielwiese" in page.decode()
        status, state = await asyncio.to_thread(fetch, address + "/api/state")
        people = json.loads(state)["people"]
        assert len(people) == 6 and people[-1]["role_de"] == "Neu, mit Einladungslink"
        assert json.loads(state)["now"].startswith("2026-01-19T10:30")
        # Another host name pointing here (DNS rebinding), another site's page: refused.
        status, _ = await asyncio.to_thread(fetch, address + "/", host=f"evil.example:{port}")
        assert status == 403
        send = {"person": people[0]["key"], "text": "/hilfe"}
        status, _ = await asyncio.to_thread(
            fetch, address + "/api/send", origin="http://evil.example", body=send
        )
        assert status == 403
        status, _ = await asyncio.to_thread(fetch, address + "/api/send", body=send)
        assert status == 403  # a write that names no origin
        status, _ = await asyncio.to_thread(fetch, address + "/api/send", origin=address, body=send)
        assert status == 200
        assert (tmp_path / "playground.db").exists() and not (tmp_path / "gwbot.db").exists()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0
        saved = json.loads((tmp_path / "playground.json").read_text())
        assert saved["now"].startswith("2026-01-19T09:3")  # where the clock stood, in UTC
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        errors.close()


def test_make_run_starts_the_playground_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[dict[str, object]] = []

    async def run_playground(settings: object, **options: object) -> None:
        started.append(options)

    monkeypatch.setattr("bot.playground.main.run_playground", run_playground)
    cli.main(["run", "--playground-without-token"])
    assert started and started[0]["port"] == 8080 and started[0]["because_no_token"] is True
    assert str(started[0]["path"]).endswith("playground.db")


def test_make_run_runs_the_bot_with_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWBOT_BOT__TOKEN", "123:abc")
    ran: list[str] = []

    async def serve_until_signalled(application: object) -> None:
        ran.append("bot")

    async def prepare_database(settings: object) -> None:
        ran.append("database")

    monkeypatch.setattr("bot.telegram.runner.serve_until_signalled", serve_until_signalled)
    monkeypatch.setattr("bot.telegram.runner.prepare_database", prepare_database)
    cli.main(["run", "--playground-without-token"])
    assert ran == ["database", "bot"]
    assert not Path("playground.db").exists()
