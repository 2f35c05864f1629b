"""Logs never show the bot token or what users wrote, even at DEBUG."""

from __future__ import annotations

import json
import logging
import re

import pytest

from bot.config.logs import configure_logging
from tests.conftest import RunningBot
from tests.factories import add_member

SECRET_TEXT = "Vertraulich-4711"


def test_token_is_masked_in_messages_and_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", ["1:SECRET"])
    log = logging.getLogger("gwbot.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", "1:SECRET")
    try:
        raise RuntimeError("request to /bot1:SECRET/sendMessage failed")
    except RuntimeError:
        log.exception("send failed")
    err = capsys.readouterr().err
    assert "1:SECRET" not in err
    assert "/bot[secret]/getMe" in err
    assert "request to /bot[secret]/sendMessage failed" in err


def test_json_logs_are_one_object_per_line_and_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`[logging] format = "json"` for log collectors: each record one parseable line, the
    traceback inside it, the token masked as in text logs."""
    configure_logging("INFO", ["1:SECRET"], log_format="json")
    log = logging.getLogger("gwbot.test")
    log.info("Grüße an %s", "1:SECRET")
    try:
        raise RuntimeError("request to /bot1:SECRET/sendMessage failed")
    except RuntimeError:
        log.exception("send failed")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "Grüße an [secret]"
    assert (first["level"], first["logger"]) == ("INFO", "gwbot.test")
    assert first["time"].endswith("+00:00")
    assert second["message"] == "send failed"
    assert "request to /bot[secret]/sendMessage failed" in second["traceback"]
    assert "1:SECRET" not in "\n".join(lines)


def test_http_request_logs_are_off_at_every_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", [])
    logging.getLogger("httpx").info("HTTP Request: POST https://example/bot1:abc/getUpdates")
    logging.getLogger("telegram.ext.Application").debug("Processing update {'text': 'x'}")
    assert capsys.readouterr().err == ""


async def test_a_debug_run_logs_neither_token_nor_message_text_nor_who_wrote(
    bot: RunningBot, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", [bot.fake.token])
    user = bot.fake.user(user_id=5_300_000_477, language_code="de")
    await add_member(bot.sessions, user.id)
    await user.send(SECRET_TEXT)
    await user.next_message()
    await user.send("/hilfe")
    await user.next_message()
    await user.send("/anliegen")  # quiet: the concern flow
    await user.next_message()
    await user.send("/abbrechen")
    await user.next_message()
    await bot.stop()
    err = capfd.readouterr().err
    assert bot.fake.token not in err
    assert SECRET_TEXT not in err
    # Neither the person nor which updates were handled: ids in a row would show the gaps
    # the quiet ones leave.
    assert str(user.id) not in err
    for update_id in bot.fake.update_ids_of(user.id):
        assert not re.search(rf"update\D{{0,12}}\b{update_id}\b", err), update_id
