"""/settings end to end: every choice by buttons, stored, and bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage.models import ConversationState, Member, UserData
from tests.conftest import RunningBot
from tests.factories import add_member
from tests.fake_telegram import BotMessage, FakeUser


async def stored(bot: RunningBot, telegram_id: int) -> Member:
    async with bot.sessions() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
        assert member is not None
        return member


async def rows(bot: RunningBot, model: type) -> int:
    async with bot.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def open_settings(bot: RunningBot, language: str = "de") -> tuple[FakeUser, BotMessage]:
    user = bot.fake.user(language_code=language)
    await add_member(bot.sessions, user.id, language=language)
    await user.send("/einstellungen" if language == "de" else "/settings")
    return user, await user.next_message()


async def settle(user: FakeUser) -> None:
    """A barrier: each user's updates are handled one after the other, each to the end
    (including the commit of its conversation state), so once this /hilfe is answered,
    everything the user did before is stored."""
    await user.send("/hilfe")
    assert "Was Sie hier tun können" in (await user.next_message()).text


async def test_the_menu_shows_the_current_settings(bot: RunningBot) -> None:
    _, menu = await open_settings(bot)
    assert "Sprache: Deutsch" in menu.text
    assert "Erinnerungen: täglich um 9 Uhr" in menu.text
    assert "Ruhezeit: 20 bis 7 Uhr" in menu.text
    assert "Pause: keine" in menu.text
    assert menu.buttons == [
        ["Sprache", "Erinnerungszeit"],
        ["Ruhezeit", "Pause"],
        ["Wochenrückblick ausschalten"],
        ["Fertig"],
    ]


async def test_changing_the_language_answers_in_the_new_language(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    assert "Sprache?" not in await user.press_and_read(menu, "Sprache")
    text = await user.press_and_read(menu, "English")
    assert text.startswith("✅ Saved.")
    assert "Language: English" in text
    assert menu.buttons[-1] == ["Done"]
    assert (await stored(bot, user.id)).language == "en"
    # The command menu of the chat follows the language.
    assert ("settings", "Language, reminder time, quiet hours, pause") in bot.fake.commands_for(
        "chat", "", chat_id=user.chat_id
    )
    await user.send("/help")
    assert "/settings – Language, reminder time" in (await user.next_message()).text


async def test_reminder_hour_and_quiet_hours_take_several_steps(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.press_and_read(menu, "Erinnerungszeit")
    assert "täglich um 8 Uhr" in await user.press_and_read(menu, "8 Uhr")
    assert "Ab wann" in await user.press_and_read(menu, "Ruhezeit")
    assert "bis wann morgens" in await user.press_and_read(menu, "22 Uhr")
    assert "Ruhezeit: 22 bis 6 Uhr" in await user.press_and_read(menu, "6 Uhr")
    member = await stored(bot, user.id)
    assert (member.reminder_hour, member.quiet_start, member.quiet_end) == (8, 22, 6)
    await user.press_and_read(menu, "Ruhezeit")
    assert "Ruhezeit: keine" in await user.press_and_read(menu, "Keine Ruhezeit")
    assert (await stored(bot, user.id)).quiet_start is None


async def test_pause_and_end_the_pause(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.press_and_read(menu, "Pause")
    text = await user.press_and_read(menu, "2 Wochen")
    until = (await stored(bot, user.id)).paused_until
    assert until is not None
    assert until - bot.application.bot_data["runtime"].today() == timedelta(days=13)
    assert f"Pause: bis einschließlich {until:%d.%m.%Y}" in text
    await user.press_and_read(menu, "Pause")
    assert "Pause: keine" in await user.press_and_read(menu, "Pause beenden")
    assert (await stored(bot, user.id)).paused_until is None


async def test_done_ends_the_conversation_and_leaves_no_rows(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.press_and_read(menu, "Ruhezeit")
    await user.press_and_read(menu, "21 Uhr")  # a draft in user_data: the evening hour
    await settle(user)
    assert await rows(bot, ConversationState) == 1
    assert await rows(bot, UserData) == 1
    await user.press_and_read(menu, "« Zurück")
    assert "gespeichert und gelten ab sofort" in await user.press_and_read(menu, "Fertig")
    await settle(user)
    assert await rows(bot, ConversationState) == 0
    assert await rows(bot, UserData) == 0


async def test_typing_or_sending_files_in_the_menu_asks_for_the_buttons(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.send("Bitte auf 8 Uhr stellen")
    assert "tippen Sie auf einen der Knöpfe" in (await user.next_message()).text
    await user.send_document("liste.pdf", b"%PDF-1.4")
    assert "tippen Sie auf einen der Knöpfe" in (await user.next_message()).text
    # Other commands still work in the middle of it.
    await user.send("/hilfe")
    assert "Was Sie hier tun können" in (await user.next_message()).text
    # ... and the conversation goes on where it was.
    assert "In welcher Sprache" in await user.press_and_read(menu, "Sprache")


async def test_forged_buttons_change_nothing(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.press_and_read(menu, "Erinnerungszeit")
    answer = await user.callback_answer(await user.press_data(menu, "set:hour:99"))
    assert "nicht möglich" in answer["text"]
    answer = await user.callback_answer(await user.press_data(menu, "set:lang:en"))
    assert "nicht mehr aktuell" in answer["text"]
    await user.press_and_read(menu, "« Zurück")
    await user.press_and_read(menu, "Sprache")
    answer = await user.callback_answer(await user.press_data(menu, "set:lang:fr"))
    assert "nicht möglich" in answer["text"]
    member = await stored(bot, user.id)
    assert (member.reminder_hour, member.language) == (9, "de")


async def test_cancel_ends_it_and_old_buttons_are_stale(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.press_and_read(menu, "Erinnerungszeit")
    await user.send("/abbrechen")
    assert "Abgebrochen" in (await user.next_message()).text
    answer = await user.callback_answer(await user.press(menu, "8 Uhr"))
    assert "nicht mehr aktuell" in answer["text"]
    assert (await stored(bot, user.id)).reminder_hour == 9
    await user.send("/abbrechen")
    assert "nichts, das Sie abbrechen" in (await user.next_message()).text


async def test_strangers_get_the_join_explanation(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await user.send("/einstellungen")
    assert "Einladungslink" in (await user.next_message()).text


async def test_a_silent_conversation_expires_and_the_user_is_told(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.press_and_read(menu, "Erinnerungszeit")
    await settle(user)
    bot.clock.advance(minutes=31)
    await user.press(menu, "8 Uhr")
    expired = await user.next_message()
    assert "nach 30 Minuten ohne Antwort abgelaufen" in expired.text
    assert "/einstellungen" in expired.text
    await settle(user)
    assert (await stored(bot, user.id)).reminder_hour == 9
    assert await rows(bot, ConversationState) == 0


async def test_a_conversation_within_the_timeout_goes_on(bot: RunningBot) -> None:
    user, menu = await open_settings(bot)
    await user.press_and_read(menu, "Erinnerungszeit")
    await settle(user)
    bot.clock.advance(minutes=29)
    assert "um 8 Uhr" in await user.press_and_read(menu, "8 Uhr")
