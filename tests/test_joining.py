"""Joining with an invite link: consent, language, name, welcome; bad codes create nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services.invites import COMMAND_LINE, create_invite
from storage.models import Invite, Member, Organisation, Role
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser

# How updates arrive matters here: by polling and by webhook.
pytestmark = pytest.mark.both_transports


async def invite(bot: RunningBot, role: Role = Role.PARTNER, uses: int = 1, days: int = 14) -> str:
    async with bot.sessions.begin() as session:
        if await session.scalar(select(Organisation).where(Organisation.code == "awo")) is None:
            session.add(Organisation(code="awo", name="AWO Kreisverband Neustadt", kind="Verein"))
            await session.flush()
        new = await create_invite(
            session,
            organisation_code="awo",
            role=role,
            now=bot.clock(),
            inviter=COMMAND_LINE,
            uses=uses,
            days=days,
        )
    return new.code


async def members(bot: RunningBot) -> list[Member]:
    async with bot.sessions() as session:
        return list((await session.scalars(select(Member))).all())


async def join(bot: RunningBot, user: FakeUser, code: str, language: str = "English") -> str:
    await user.send(f"/start {code}")
    notice = await user.next_message()
    assert "AWO Kreisverband Neustadt" in notice.text
    await user.press(notice, "✅ Einverstanden")
    await user.next_event(kinds=("edit",))
    await user.press(notice, language)
    await user.next_event(kinds=("edit",))
    full_name = " ".join(filter(None, [user.first_name, user.last_name]))
    label = f"Use “{full_name}”" if language == "English" else f"„{full_name}“ übernehmen"
    await user.press(notice, label)
    return (await user.next_message()).text


async def test_a_new_user_joins_with_the_deep_link_in_english(bot: RunningBot) -> None:
    code = await invite(bot)
    user = bot.fake.user(first_name="Anna", last_name="Berger", language_code="de")
    welcome = await join(bot, user, code)
    assert welcome.startswith("Done, Anna Berger. You can now:")
    assert "/settings – Language, reminder time" in welcome
    (member,) = await members(bot)
    assert (member.display_name, member.language, member.role) == ("Anna Berger", "en", "partner")
    assert member.consent_at is not None
    # The member's own command menu, in English, for the partner role.
    menu = bot.fake.commands_for("chat", "", chat_id=user.chat_id)
    assert ("settings", "Language, reminder time, quiet hours, pause") in menu
    await user.send("/help")
    assert (
        "You take part as partner for AWO Kreisverband Neustadt" in (await user.next_message()).text
    )


async def test_a_typed_name_is_taken(bot: RunningBot) -> None:
    code = await invite(bot)
    user = bot.fake.user(first_name="Ben", language_code="de")
    await user.send(f"/start {code}")
    notice = await user.next_message()
    # What whoever holds the privacy key and the database could learn, said plainly.
    assert "Wer den Datenschutz-Schlüssel des Bots und die Datenbank zusammen hat" in notice.text
    await user.press(notice, "✅ Einverstanden")
    await user.next_event(kinds=("edit",))
    await user.press(notice, "Deutsch")
    await user.next_event(kinds=("edit",))
    await user.send("Ben aus der Kita Sonnenschein")
    assert (await user.next_message()).text.startswith("Fertig, Ben aus der Kita Sonnenschein.")


async def test_bad_expired_and_used_up_codes_create_nothing(bot: RunningBot) -> None:
    used = await invite(bot)
    await join(bot, bot.fake.user(first_name="Anna", last_name="Berger"), used)
    expired = await invite(bot, days=1)
    bot.clock.advance(days=2)
    user = bot.fake.user(first_name="Carl", language_code="de")
    for code, answer in (
        ("gibtsnicht", "nicht gültig"),
        (expired, "abgelaufen"),
        (used, "so oft genutzt"),
    ):
        await user.send(f"/start {code}")
        assert answer in (await user.next_message()).text
    assert len(await members(bot)) == 1


async def test_declining_stores_nothing(bot: RunningBot) -> None:
    code = await invite(bot)
    user = bot.fake.user(first_name="Dora", language_code="de")
    await user.send(f"/start {code}")
    notice = await user.next_message()
    await user.press(notice, "Abbrechen")
    event = await user.next_event(kinds=("edit",))
    assert event.text and "nichts gespeichert" in event.text
    assert await members(bot) == []
    async with bot.sessions() as session:
        assert await session.scalar(select(Invite.uses_left)) == 1


async def test_repeated_wrong_codes_are_slowed_down(bot: RunningBot) -> None:
    code = await invite(bot)
    user = bot.fake.user(first_name="Eve", language_code="de")
    for attempt in range(5):
        await user.send(f"/start falsch{attempt}")
        assert "nicht gültig" in (await user.next_message()).text
    await user.send(f"/start {code}")  # even a valid code waits now
    assert "zu viele ungültige" in (await user.next_message()).text
    bot.clock.advance(minutes=16)
    await user.send(f"/start {code}")
    assert "Sie wurden als" in (await user.next_message()).text
    async with bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 0
