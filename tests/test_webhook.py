"""Webhook mode: only requests carrying the secret token are accepted, and nobody makes the bot
read a big body: the secret and the size are checked before it."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx
import pytest

from bot.app import runtime_of
from tests.conftest import RunningBot
from tests.factories import add_member

pytestmark = pytest.mark.parametrize("transport", ["webhook"])


def forged_update(user_id: int) -> dict[str, object]:
    return {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Mallory"},
            "text": "/hilfe",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_the_webhook_is_registered_with_its_secret(bot: RunningBot) -> None:
    url = runtime_of(bot.application).settings.bot.webhook_url
    (call,) = bot.fake.calls_to("setWebhook")
    assert call.params["url"] == url
    assert bot.fake.webhook_secret == "test-secret"


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}])
async def test_requests_without_the_right_secret_are_refused(
    bot: RunningBot, headers: dict[str, str]
) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id)
    url = runtime_of(bot.application).settings.bot.webhook_url
    assert url
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=forged_update(user.id), headers=headers)
    assert response.status_code == 403
    # The forged /hilfe was not handled: the first answer the user gets is to their own message.
    await user.send("/abbrechen")
    assert "nichts, das Sie abbrechen" in (await user.next_message()).text
    assert len(user.messages) == 1


async def announce_body(url: str, secret: str, length: int) -> bytes:
    """Send a POST's headers announcing `length` bytes of JSON but none of the body; return
    what the server answers before it closes the connection. A server that reads the body
    before looking at the request waits for it (and the test fails at the timeout)."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        f"X-Telegram-Bot-Api-Secret-Token: {secret}",
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("secret", "length", "status"),
    [("guessed", 50 * 2**20, b"403"), ("test-secret", 50 * 2**20, b"413")],
    ids=["wrong-secret", "too-big"],
)
async def test_the_secret_and_the_size_are_checked_before_the_body_is_read(
    bot: RunningBot, secret: str, length: int, status: bytes
) -> None:
    url = runtime_of(bot.application).settings.bot.webhook_url
    assert url
    answer = await announce_body(url, secret, length)
    assert answer.startswith(b"HTTP/1.1 " + status)
    # The bot still takes Telegram's updates.
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id)
    await user.send("/hilfe")
    assert "Was Sie hier tun können" in (await user.next_message()).text
