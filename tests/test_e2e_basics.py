"""End to end over real HTTP: the production application against the fake Bot API server,
on SQLite and PostgreSQL. Tests act as users and read what the bot sent them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import Member, Role
from tests.conftest import RunningBot
from tests.factories import add_member

# How updates arrive matters here: by polling and by webhook.
pytestmark = pytest.mark.both_transports


async def member_count(bot: RunningBot) -> int:
    async with bot.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_stranger_start_explains_how_to_join_in_german(bot: RunningBot) -> None:
    user = bot.fake.user(first_name="Anna", language_code="de")
    await user.send("/start")
    reply = await user.next_message()
    assert "Einladungslink" in reply.text
    assert "Koordinierungsstelle" in reply.text
    assert await member_count(bot) == 0


async def test_stranger_with_an_english_app_gets_english(bot: RunningBot) -> None:
    user = bot.fake.user(first_name="Ann", language_code="en-GB")
    await user.send("/start")
    assert "invite link" in (await user.next_message()).text


async def test_stranger_with_another_language_gets_the_default(bot: RunningBot) -> None:
    user = bot.fake.user(first_name="Anne", language_code="fr")
    await user.send("/help")
    assert "Einladungslink" in (await user.next_message()).text


async def test_stranger_commands_and_text_only_get_the_join_explanation(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    for text in ("/abbrechen", "/melden", "Hallo, wie geht das?"):
        await user.send(text)
        assert "Einladungslink" in (await user.next_message()).text, text


async def test_member_help_lists_what_the_role_can_do_in_german(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id, name="Anna Berger", role=Role.PARTNER)
    await user.send("/hilfe")
    reply = await user.next_message()
    assert "Partner*in" in reply.text
    assert "AWO Kreisverband Neustadt" in reply.text
    assert "/hilfe – Was Sie hier tun können" in reply.text
    assert "/abbrechen" in reply.text
    assert "/help" not in reply.text


async def test_german_and_english_members_each_get_their_language(bot: RunningBot) -> None:
    anna = bot.fake.user(first_name="Anna", language_code="de")
    john = bot.fake.user(first_name="John", language_code="de")
    await add_member(bot.sessions, anna.id, name="Anna", language="de")
    # The stored choice wins over the Telegram app's language.
    await add_member(bot.sessions, john.id, name="John", language="en", role=Role.COORDINATOR)
    await anna.send("/start")
    await john.send("/start")
    german, english = await anna.next_message(), await john.next_message()
    assert german.text.startswith("Willkommen zurück, Anna.")
    assert english.text.startswith("Welcome back, John.")
    assert "/cancel – Cancel what you are doing" in english.text


async def test_cancel_outside_a_conversation_says_there_is_nothing(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="en")
    await add_member(bot.sessions, user.id, language="en")
    await user.send("/cancel")
    assert (await user.next_message()).text.startswith("There is nothing to cancel")


async def test_text_that_is_not_understood_gets_help(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id)
    await user.send("Wann ist das nächste Treffen?")
    assert "nicht verstanden" in (await user.next_message()).text
    await user.send("/gibtsnicht")
    assert "Den Befehl /gibtsnicht kenne ich nicht" in (await user.next_message()).text
    await user.send("x" * 4096)
    assert "nicht verstanden" in (await user.next_message()).text


async def test_files_and_stickers_get_a_clear_answer(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id)
    await user.send_document("notizen.pdf", b"%PDF-1.4")
    assert "Dateien, Fotos oder Stickern" in (await user.next_message()).text
    # A partner's spreadsheet is pointed to /melden (tests/test_value_files.py).
    await user.send_document("zahlen.xlsx", b"PK\x03\x04")
    assert "/melden" in (await user.next_message()).text
    await user.send_sticker()
    assert "Dateien, Fotos oder Stickern" in (await user.next_message()).text


async def test_forged_button_data_is_answered_and_changes_nothing(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id)
    await user.send("/hilfe")
    help_message = await user.next_message()
    query_id = await user.press_data(help_message, "admin:delete_everything")
    answer = await user.callback_answer(query_id)
    assert "nicht mehr aktuell" in answer["text"]
    assert answer["show_alert"] is True
    assert await member_count(bot) == 1


async def test_names_with_html_characters_are_shown_safely(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id, name="<Anna & Co>")
    await user.send("/start")
    # The fake refuses invalid HTML like Telegram does, so an unescaped name would fail here.
    assert (await user.next_message()).text.startswith("Willkommen zurück, <Anna & Co>.")


async def test_group_chats_get_only_a_pointer_to_the_private_chat(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id)
    group = bot.fake.group()
    await group.send(user, "Guten Morgen zusammen")
    await group.send(user, "/wetter")  # not ours: left to whichever bot it was meant for
    await group.send(user, f"/hilfe@{bot.fake.bot_username}")
    # The first thing the bot says in the group answers the last message: the others got nothing.
    pointer = await group.next_message()
    assert "nur im privaten Chat" in pointer.text
    assert pointer.button("Privat schreiben") == {
        "text": "Privat schreiben",
        "url": f"https://t.me/{bot.fake.bot_username}",
    }
    assert user.messages == []


async def test_command_menus_are_set_per_language_and_for_groups(bot: RunningBot) -> None:
    assert bot.fake.commands_for("default", "de") == [
        ("start", "Start und Einladung annehmen"),
        ("hilfe", "Was Sie hier tun können"),
    ]
    assert bot.fake.commands_for("default", "en") == [
        ("start", "Start and accept an invitation"),
        ("help", "What you can do here"),
    ]
    # Apps in other languages get the configured default language.
    assert bot.fake.commands_for("default", "") == bot.fake.commands_for("default", "de")
    assert bot.fake.commands_for("all_group_chats", "en") == [("help", "What you can do here")]


async def test_an_error_is_logged_and_the_user_is_told(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    user = bot.fake.user(language_code="de")
    async with bot.sessions.begin() as session:
        # A database fault in the middle of operation: the table every update reads is gone.
        connection = await session.connection()
        cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
        await connection.exec_driver_sql("DROP VIEW v_members")
        await connection.exec_driver_sql(f"DROP TABLE members{cascade}")
    await user.send("/hilfe")
    reply = await user.next_message()
    assert "der Fehler liegt bei uns" in reply.text
    assert any("error while handling update" in r.getMessage() for r in caplog.records)
