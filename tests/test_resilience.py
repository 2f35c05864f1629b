"""Telegram misbehaves (flood limits, 5xx, slow answers, blocked users, redelivery) and one
user floods the bot: every other user is still answered and the bot keeps running."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBot
from tests.factories import add_member
from tests.fake_telegram import FakeUser

# How updates arrive matters here: by polling and by webhook.
pytestmark = pytest.mark.both_transports


async def member(bot: RunningBot, name: str = "Anna") -> FakeUser:
    user = bot.fake.user(first_name=name, language_code="de")
    await add_member(bot.sessions, user.id, name=name)
    return user


def answered_with(bot: RunningBot, status: int) -> int:
    return sum(
        1
        for call in bot.fake.calls_to("sendMessage")
        if call.response and call.response.get("error_code") == status
    )


async def test_one_user_flooding_does_not_hold_up_another(bot: RunningBot) -> None:
    flooder, other = await member(bot, "Flo"), await member(bot, "Olga")
    for i in range(40):
        await flooder.send(f"Nachricht {i}")
    await other.send("/hilfe")
    assert "Was Sie hier tun können" in (await other.next_message()).text
    # The flooder's messages are answered in their order, all of them, after Olga's reply
    # was already out: she did not wait behind the queue.
    replies = [await flooder.next_message() for _ in range(40)]
    assert all("nicht verstanden" in reply.text for reply in replies)
    order = [event.chat_id for event in bot.fake.events if event.kind == "message"]
    assert order.index(other.chat_id) < len(order) - 1 - order[::-1].index(flooder.chat_id)
    assert order.index(other.chat_id) < 30


async def test_replies_get_through_a_429_storm(bot: RunningBot) -> None:
    user = await member(bot)
    bot.fake.faults.rate_limit(per_chat_per_second=1, retry_after=1)
    for text in ("eins", "zwei", "drei"):
        await user.send(text)
    replies = [await user.next_message(timeout=20) for _ in range(3)]
    assert all("nicht verstanden" in reply.text for reply in replies)
    assert answered_with(bot, 429) >= 1


async def test_replies_get_through_server_errors(bot: RunningBot) -> None:
    user = await member(bot)
    bot.fake.faults.fail_next("sendMessage", status=502, count=2, description="Bad Gateway")
    await user.send("/hilfe")
    assert "Was Sie hier tun können" in (await user.next_message(timeout=20)).text
    assert answered_with(bot, 502) == 2


async def test_a_timed_out_reply_is_sent_again(bot: RunningBot) -> None:
    user = await member(bot)
    bot.fake.faults.slow("sendMessage", 3)  # longer than the bot's request timeout (2 s)
    await user.send("/hilfe")
    await bot.fake.wait_for_call("sendMessage")
    bot.fake.faults.slow("sendMessage", 0)
    # The retry arrives; the slow first attempt may arrive as well: better twice than never.
    assert "Was Sie hier tun können" in (await user.next_message(timeout=20)).text
    assert len(bot.fake.calls_to("sendMessage")) >= 2


async def test_a_user_who_blocked_the_bot_does_not_stop_it(bot: RunningBot) -> None:
    blocker, other = await member(bot, "Bea"), await member(bot, "Olga")
    blocker.blocked = True
    await blocker.send("/hilfe")
    await bot.fake.wait_for_call("sendMessage")
    await other.send("/hilfe")
    assert "Was Sie hier tun können" in (await other.next_message()).text
    assert blocker.messages == []
    assert answered_with(bot, 403) == 1  # not retried: it would fail again


async def test_a_redelivered_update_is_answered_once(bot: RunningBot) -> None:
    user = await member(bot)
    await user.send("/hilfe")
    await user.next_message()
    bot.fake.faults.redeliver_last_batch()
    await user.send("/abbrechen")
    # The next thing the user sees answers /abbrechen: the redelivered /hilfe got nothing.
    assert "nichts, das Sie abbrechen" in (await user.next_message()).text
    assert len(user.messages) == 2
