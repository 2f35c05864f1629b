"""The `gwbot` command line as a user runs it, in real processes where it matters."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import DatabaseSettings
from storage.migrate import head_revision, new_revision
from tests.conftest import TEST_PRIVACY_KEY, free_port
from tests.fake_telegram import FakeTelegram

REPO_ROOT = Path(__file__).resolve().parents[1]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GWBOT_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra)
    return env


async def gwbot(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "run" in out
    assert "db" in out
    assert "--config FILE" in out


def test_run_without_a_token_explains_how_to_get_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err
    assert "/newbot" in err
    assert "GWBOT_BOT__TOKEN" in err
    assert "config.toml" in err
    assert "Traceback" not in err


def test_db_upgrade_creates_the_sqlite_database_in_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["db", "upgrade"])
    # The migrations' progress only with --verbose.
    assert "alembic" not in capsys.readouterr().err
    tables = {
        name
        for (name,) in sqlite3.connect(tmp_path / "gwbot.db").execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        )
    }
    assert {"organisations", "members", "processed_updates", "v_members"} <= tables


def test_verbose_shows_the_migrations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["db", "upgrade", "--verbose"])
    assert "Running upgrade  -> 0001_base" in capsys.readouterr().err


def test_an_unreachable_database_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GWBOT_DATABASE__URL", "postgresql+asyncpg://gw:hunter2@127.0.0.1:1/gw")
    with pytest.raises(SystemExit) as info:
        main(["db", "upgrade"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "could not use the database postgresql+asyncpg://gw:***@127.0.0.1:1/gw" in err
    assert "hunter2" not in err
    assert "Traceback" not in err


def test_version_and_where_the_schema_stands(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("gwbot 0.")

    # A database never migrated is behind: exit code 1, and what to do about it.
    with pytest.raises(SystemExit) as info:
        main(["db", "current"])
    assert info.value.code == 1
    out = capsys.readouterr().out
    assert "database: empty (never migrated)" in out
    assert f"newest:   {head_revision()}" in out
    assert "gwbot db upgrade" in out

    main(["db", "upgrade"])
    main(["db", "current"])
    assert f"database: {head_revision()}" in capsys.readouterr().out


async def test_the_models_and_the_migrations_agree(
    database: DatabaseSettings, tmp_path: Path
) -> None:
    """What `gwbot db revision` would write for a database at the newest revision is empty:
    every model change has its migration (on SQLite and PostgreSQL)."""
    written = await new_revision(
        database.url, "nothing", schema=database.schema_name, version_path=tmp_path
    )
    assert written.parent == tmp_path
    assert written.name == f"{int(head_revision()[:4]) + 1:04d}_nothing.py"
    body = written.read_text()
    upgrade = body[body.index("def upgrade()") : body.index("def downgrade()")]
    code = [line.strip() for line in upgrade.splitlines()[1:] if line.strip()]
    code = [line for line in code if not line.startswith("#")]
    assert code == ["with views_suspended(op.get_bind()):", "pass"], body


def test_config_option_is_accepted_after_the_command(tmp_path: Path) -> None:
    config = tmp_path / "initiative.toml"
    config.write_text('[database]\nurl = "sqlite+aiosqlite:///elsewhere.db"\n')
    main(["db", "upgrade", "--config", str(config)])
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "gwbot.db").exists()


async def test_gwbot_run_answers_start_and_stops_on_sigterm(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = child_env(GWBOT_BOT__TOKEN=fake.token, GWBOT_BOT__API_BASE_URL=fake.base_url)
    process = await gwbot("run", env=env, cwd=tmp_path)
    try:
        # A fresh process imports and migrates first: slow on a loaded machine.
        await fake.wait_for_call("getUpdates", timeout=60)
        user = fake.user(language_code="de")
        await user.send("/start")
        assert "Einladungslink" in (await user.next_message(timeout=30)).text
        assert (tmp_path / "gwbot.db").exists()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert fake.token not in err.decode()


async def test_gwbot_run_with_a_refused_token_says_so(fake: FakeTelegram, tmp_path: Path) -> None:
    env = child_env(GWBOT_BOT__TOKEN="999:WRONG", GWBOT_BOT__API_BASE_URL=fake.base_url)
    process = await gwbot("run", env=env, cwd=tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "Telegram did not accept the bot token" in err.decode()
    assert "Traceback" not in err.decode()


def test_privacy_init_prints_a_new_key_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.main import main
    from bot.services.privacy_crypto import PrivacyKey

    main(["privacy", "init"])
    out = capsys.readouterr().out
    config_line = next(line for line in out.splitlines() if line.startswith("key = "))
    env_line = next(line for line in out.splitlines() if line.startswith("GWBOT_PRIVACY__KEY="))
    key = config_line.removeprefix('key = "').removesuffix('"')
    assert env_line == f"GWBOT_PRIVACY__KEY={key}"
    PrivacyKey.from_text(key)  # a valid key
    monkeypatch.setenv("GWBOT_PRIVACY__KEY", key)
    with pytest.raises(SystemExit) as refused:
        main(["privacy", "init"])
    assert refused.value.code == 2
    assert "already configured" in capsys.readouterr().err


class EchoingProxy(BaseHTTPRequestHandler):
    """A proxy in front of the Bot API that refuses requests with an error page quoting them,
    path (with the token) and body (setWebhook's carries the webhook secret). It lets getMe
    through when the server's `lets_get_me` is set, and answers every other method "ok"."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        method = self.path.rsplit("/", 1)[-1]
        if method == "getMe" and getattr(self.server, "lets_get_me", False):
            self._answer(
                200,
                "application/json",
                {"id": 1, "is_bot": True, "first_name": "B", "username": "b_bot"},
            )
        elif method in ("getMe", "setWebhook"):
            page = f"<h1>400 Bad Request</h1>refused: POST {self.path} {body.decode()}"
            self._answer(400, "text/html", page)
        else:
            self._answer(200, "application/json", True)

    def _answer(self, status: int, content_type: str, content: object) -> None:
        data = (
            json.dumps({"ok": True, "result": content})
            if content_type == "application/json"
            else str(content)
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test reads what gwbot prints, not the proxy's log


@contextmanager
def echoing_proxy(lets_get_me: bool) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingProxy)
    server.lets_get_me = lets_get_me  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/bot"
    finally:
        server.shutdown()
        server.server_close()


TOKEN = "4711:SECRET-token-that-never-shows"
WEBHOOK_SECRET = "webhook-secret-that-never-shows"


@pytest.mark.parametrize("webhook", [False, True], ids=["getMe", "setWebhook"])
def test_no_secret_shows_when_a_proxy_echoes_the_request(
    webhook: bool, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GWBOT_BOT__TOKEN", TOKEN)
    monkeypatch.setenv("GWBOT_PRIVACY__KEY", TEST_PRIVACY_KEY)
    if webhook:
        port = free_port()
        monkeypatch.setenv("GWBOT_BOT__WEBHOOK_URL", f"http://127.0.0.1:{port}/telegram")
        monkeypatch.setenv("GWBOT_BOT__WEBHOOK_PORT", str(port))
        monkeypatch.setenv("GWBOT_BOT__WEBHOOK_SECRET", WEBHOOK_SECRET)
    with echoing_proxy(lets_get_me=webhook) as base_url:
        monkeypatch.setenv("GWBOT_BOT__API_BASE_URL", base_url)
        with pytest.raises(SystemExit) as info:
            main(["run"])
    out, err = capsys.readouterr()
    assert info.value.code == 1
    assert f"could not reach the Bot API at {base_url}" in err
    assert "refused: POST /bot[secret]/" in err  # the echo is shown, its secrets masked
    for secret in (TOKEN, WEBHOOK_SECRET, TEST_PRIVACY_KEY):
        assert secret not in out + err
