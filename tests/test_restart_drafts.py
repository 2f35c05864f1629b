"""Drafts across restarts (issue 22, finding 4): text typed after a restart never lands in an
old conversation, a draft changed after a restart is the one saved, and a finished
conversation leaves no row and no exact time behind. Drafts stored by an earlier version
still load; one that does not fit its model (issue 24) ends the conversation as an expiry
does, never as our fault."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from storage.models import ConcernMessage, ConversationState, UserData
from tests.concern_steps import batch_over, open_desk, raise_concern
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import coordinator, member
from tests.test_reporting import KITA_JANUARY, example, open_item, partner, values
from tests.test_settings import open_settings, stored

# How updates arrive matters here: by polling and by webhook.
pytestmark = pytest.mark.both_transports


async def stored_conversations(bot: RunningBot, user: FakeUser) -> list[ConversationState]:
    async with bot.sessions() as session:
        rows = await session.scalars(
            select(ConversationState).where(ConversationState.key.contains(str(user.id)))
        )
        return list(rows.all())


async def stored_drafts(bot: RunningBot) -> list[object]:
    async with bot.sessions() as session:
        return list((await session.scalars(select(UserData.data))).all())


async def settled(user: FakeUser) -> None:
    """A barrier: once /hilfe is answered, the user's updates before it are stored."""
    await user.send("/hilfe")
    await user.next_message()


async def test_concern_text_typed_after_a_restart_lands_in_no_old_conversation(
    bot: RunningBot,
) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    raised = await raise_concern(anna, anonymous=False)
    await batch_over(bot, clara)
    listing = await open_desk(clara, raised.ticket)
    await clara.press(listing, "↩️ Antworten")
    assert (await clara.next_message()).text.startswith("Ihre Antwort zu #")
    await settled(clara)
    assert [row.name for row in await stored_conversations(bot, clara)] == ["concern_reply"]

    # Clara wants to raise a concern of her own; the bot is redeployed meanwhile, and the
    # draft of her concern (in memory only) is gone.
    await clara.send("/anliegen")
    assert (await clara.next_message()).text.startswith("🔒 Hier können Sie ein Anliegen")
    await bot.restart()
    assert await stored_conversations(bot, clara) == []

    await clara.send("Im Team gibt es Streit um die Dienstpläne.")
    answer = await clara.next_message()
    assert "Dienstpläne" not in answer.text  # no preview of a reply, no confirmation
    assert not answer.buttons
    async with bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConcernMessage)) == 1
    await anna.expect_no_message()


async def test_a_value_changed_after_a_restart_is_the_one_saved(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await open_item(anna, KITA_JANUARY)
    await anna.send("99")
    summary = await anna.next_message()
    assert "99 Plätze" in await anna.press_and_read(summary, "Ohne Anmerkung")
    await bot.restart()

    # After the restart she changes 99 to 13 ...
    bot.clock.advance(seconds=42.5)
    await anna.press_and_read(summary, "Wert ändern")
    await anna.send("13")
    note_question = await anna.next_message()
    assert "13 Plätze" in await anna.press_and_read(note_question, "Ohne Anmerkung")
    await settled(anna)
    # ... while the conversation runs its time is stored to the minute, no finer.
    (row,) = await stored_conversations(bot, anna)
    assert (row.updated_at.second, row.updated_at.microsecond) == (0, 0)
    await bot.restart()

    # ... and after the next restart 13 is what she sees and what is saved.
    saved = await anna.press_and_read(note_question, "✅ Speichern")
    assert saved.startswith("✅ Gespeichert: Neue Kita-Plätze · Januar 2026 · 13 Plätze.")
    assert [v.value for v in await values(bot)] == [13.0]
    await settled(anna)
    assert await stored_conversations(bot, anna) == []
    assert await stored_drafts(bot) == []


async def test_a_backlog_understood_before_a_restart_is_saved_after_it(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/melden")
    listing = await anna.next_message()
    await anna.press_and_read(listing, "⋯ Elterncafés: 3 ältere")
    await anna.send("KW 1: 4, KW 2: 6")
    understood = await anna.next_message()
    assert "• KW 1/2026: 4 Teilnahmen" in understood.text
    await settled(anna)
    await bot.restart()

    saved = await anna.press_and_read(understood, "✅ Alle speichern")
    assert saved.startswith("✅ Gespeichert: 2 Werte (KW 1/2026, KW 2/2026).")
    assert sorted((v.period, v.value) for v in await values(bot)) == [
        ("2026-W01", 4.0),
        ("2026-W02", 6.0),
    ]


async def replace_draft(bot: RunningBot, user: FakeUser, drafts: dict[str, object]) -> None:
    """While the bot is stopped: the user's stored drafts become `drafts`."""
    async with bot.sessions.begin() as session:
        await session.execute(
            update(UserData).where(UserData.user_id == user.id).values(data=drafts)
        )


async def stored_draft_of(bot: RunningBot, user: FakeUser, key: str) -> dict[str, object]:
    async with bot.sessions() as session:
        data = await session.scalar(select(UserData.data).where(UserData.user_id == user.id))
    assert isinstance(data, dict) and isinstance(data.get(key), dict)
    return data[key]


async def test_a_draft_saved_by_the_version_before_typed_drafts_still_loads(
    bot: RunningBot,
) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await open_item(anna, KITA_JANUARY)
    await settled(anna)
    draft = await stored_draft_of(bot, anna, "report")
    await bot.stop()
    # The earlier version kept only what it had been told so far, as a plain dict.
    old = {key: draft[key] for key in ("obligation", "seen_revision", "organisation")}
    await replace_draft(bot, anna, {"report": old})
    await bot.restart()

    await anna.send("13")
    note_question = await anna.next_message()
    summary = await anna.press_and_read(note_question, "Ohne Anmerkung")
    assert "13 Plätze" in summary
    saved = await anna.press_and_read(note_question, "✅ Speichern")
    assert saved.startswith("✅ Gespeichert: Neue Kita-Plätze · Januar 2026 · 13 Plätze.")
    assert [v.value for v in await values(bot)] == [13.0]


async def test_a_forged_report_draft_ends_the_conversation_as_an_expiry_would(
    bot: RunningBot,
) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await open_item(anna, KITA_JANUARY)
    await settled(anna)
    draft = await stored_draft_of(bot, anna, "report")
    await bot.stop()
    await replace_draft(bot, anna, {"report": draft | {"obligation": "the one of another"}})
    await bot.restart()

    await anna.send("13")
    answer = await anna.next_message()
    assert answer.text.startswith("⏰ Ihre Eingabe ist nach")
    assert "/melden" in answer.text
    assert await values(bot) == []
    await settled(anna)
    assert await stored_conversations(bot, anna) == []
    assert await stored_drafts(bot) == []
    # Beginning anew works as ever.
    await open_item(anna, KITA_JANUARY)
    await anna.send("13")
    note_question = await anna.next_message()
    assert "13 Plätze" in await anna.press_and_read(note_question, "Ohne Anmerkung")


async def test_a_forged_settings_draft_saves_nothing_and_ends_the_conversation(
    bot: RunningBot,
) -> None:
    user, menu = await open_settings(bot)
    before = await stored(bot, user.id)
    await user.press_and_read(menu, "Ruhezeit")
    assert "bis wann morgens" in await user.press_and_read(menu, "22 Uhr")
    await settled(user)
    await bot.stop()
    await replace_draft(bot, user, {"settings": {"quiet_from": "zehn"}})
    await bot.restart()

    await user.press(menu, "6 Uhr")
    answer = await user.next_message()
    assert answer.text.startswith("⏰ Ihre Eingabe ist nach")
    assert "/einstellungen" in answer.text
    after = await stored(bot, user.id)
    assert (after.quiet_start, after.quiet_end) == (before.quiet_start, before.quiet_end)
    await settled(user)
    assert await stored_conversations(bot, user) == []
    assert await stored_drafts(bot) == []
