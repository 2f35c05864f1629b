"""Webhook mode: only requests carrying the secret token are accepted."""

from __future__ import annotations

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
