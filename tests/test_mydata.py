"""/mydata (/meinedaten): the member gets everything stored about them as a file, and leaving
erases their name, Telegram id and settings from every table while the member row (organisation,
role, dates) stays for the organisation's figures.

The table scan covers every table of the models, so tables that later features add are checked
without editing this file: a feature that stores a member's name or Telegram id must erase it
in bot.services.settings.own_data.ERASURE, or the scan fails.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeChat

from bot.config import DatabaseSettings
from bot.services.errors import NotFound
from bot.services.obligations import ensure_obligations
from bot.services.settings.own_data import export_member_data, leave
from storage.models import (
    AuditEntry,
    Base,
    ChatData,
    ConversationState,
    Member,
    Obligation,
    UserData,
)
from tests.conftest import RunningBot, apply_initiative_text
from tests.factories import add_member
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import member, run_jobs

NAME = "Zacharias Quellenbrink"
TELEGRAM_ID = 987654321012
GROUP_ID = -1001234567890


# --- helpers ------------------------------------------------------------------------------


async def member_of(sessions: async_sessionmaker[AsyncSession], member_id: int) -> Member:
    async with sessions() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        return member


async def audit(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())


async def open_mydata(user: FakeUser, command: str = "/meinedaten") -> tuple[BotMessage, Any]:
    """Send /mydata; return the message with the leave button and the file's JSON."""
    await user.send(command)
    document = await user.next_message()
    assert document.kind == "document"
    assert document.content is not None
    offer = await user.next_message()
    return offer, json.loads(document.content)


async def press(user: FakeUser, message: BotMessage, button: str) -> str:
    """Press and return the message text after the bot's edit."""
    await user.press(message, button)
    event = await user.next_event(kinds=("edit",))
    assert event.text is not None
    return event.text


async def settle(user: FakeUser, expected: str = "Was Sie hier tun können") -> None:
    """A barrier: each user's updates are handled one after the other, each to the end, so
    once this /hilfe is answered, everything before it is stored."""
    await user.send("/hilfe")
    assert expected in (await user.next_message()).text


async def leave_by_buttons(user: FakeUser) -> str:
    offer, _ = await open_mydata(user)
    assert "Wirklich austreten?" in await press(user, offer, "Austreten und Daten löschen")
    return await press(user, offer, "Ja, austreten")


def _holds(value: Any, texts: tuple[str, ...], number: int) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == number
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)
    folded = str(value).casefold()
    return any(text.casefold() in folded for text in texts)


async def traces(
    sessions: async_sessionmaker[AsyncSession], name: str, telegram_id: int
) -> list[str]:
    """`table.column` of every value, in every table, that holds the name (or a part of it)
    or the Telegram id: as text anywhere, in JSON, or as the number."""
    texts = (name, *name.split(), str(telegram_id))
    found: set[str] = set()
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                found |= {
                    f"{table.name}.{column}"
                    for column, value in row.items()
                    if _holds(value, texts, telegram_id)
                }
    return sorted(found)


# --- /mydata: the file ----------------------------------------------------------------------


async def test_mydata_sends_everything_stored_as_a_json_file(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    member = await add_member(bot.sessions, user.id, name="Anna Berger")
    await user.send("/einstellungen")
    settings = await user.next_message()
    await press(user, settings, "Erinnerungszeit")
    await press(user, settings, "8 Uhr")
    await press(user, settings, "Ruhezeit")
    await press(user, settings, "21 Uhr")  # a draft in user_data, the conversation is open
    await settle(user)

    await user.send("/meinedaten")
    document = await user.next_message()
    assert document.kind == "document"
    assert document.file_name == "meine-daten.json"
    assert "gespeichert" in document.text
    assert document.content is not None
    data = json.loads(document.content)
    assert data["member"]["id"] == member.id
    assert data["member"]["display_name"] == "Anna Berger"
    assert data["member"]["telegram_id"] == user.id
    assert data["member"]["role"] == "partner"
    assert data["member"]["language"] == "de"
    assert data["member"]["reminder_hour"] == 8
    assert (data["member"]["quiet_start"], data["member"]["quiet_end"]) == (20, 7)
    assert datetime.fromisoformat(data["member"]["joined_at"]).tzinfo is not None
    assert data["organisation"] == {"code": "awo", "name": "AWO Kreisverband Neustadt"}
    assert data["user_data"]["data"] == {"settings": {"quiet_from": 21}}
    assert [(c["name"], json.loads(c["key"])) for c in data["conversations"]] == [
        ("settings", [user.id, user.id])
    ]
    assert data["audit_log"] == []

    offer = await user.next_message()
    assert "austreten" in offer.text
    assert "AWO Kreisverband Neustadt" in offer.text
    assert offer.buttons == [["Austreten und Daten löschen"]]


async def test_mydata_names_the_bots_messages_and_reminders(
    bot: RunningBot, tmp_path: Path
) -> None:
    from tests.test_reminder_withdrawal import DUE_DAY_0930, INITIATIVE

    bot.clock.now = DUE_DAY_0930
    await apply_initiative_text(bot.sessions, INITIATIVE, tmp_path)
    async with bot.sessions.begin() as session:
        await ensure_obligations(session, bot.clock())
        obligation = await session.scalar(select(Obligation.id))
    anna = await member(bot, "Anna Berger")
    await run_jobs(bot)
    reminder = await anna.next_message()
    await anna.send("/meinedaten")
    document = await anna.next_message()
    assert document.content is not None
    data = json.loads(document.content)
    (message,) = data["messages_from_the_bot"]
    assert message["kind"] == "reporting_reminder"
    assert message["text"].startswith("⏰ Erinnerung") and "Neue Kita-Plätze" in reminder.text
    assert data["reporting_reminders_received"] == {
        "reports": [{"obligation_id": obligation, "offset_days": 0, "sent_on": "2026-02-05"}],
        "overdue_summaries_on": [],
    }
    assert (data["pulse_surveys_started"], data["periods_closed"]) == ([], [])


async def test_mydata_in_english(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="en")
    await add_member(bot.sessions, user.id, name="John Smith", language="en")
    await user.send("/mydata")
    document = await user.next_message()
    assert document.file_name == "my-data.json"
    assert "stored about you" in document.text
    offer = await user.next_message()
    assert offer.buttons == [["Leave and delete my data"]]
    await user.press(offer, "Leave and delete my data")
    confirm = await user.next_event(kinds=("edit",))
    assert confirm.text is not None and "Really leave?" in confirm.text
    assert offer.buttons == [["Yes, leave", "Cancel"]]


async def test_strangers_get_the_join_explanation(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await user.send("/meinedaten")
    reply = await user.next_message()
    assert reply.kind == "text"
    assert "Einladungslink" in reply.text


# --- leaving --------------------------------------------------------------------------------


async def test_leaving_erases_the_person_and_keeps_the_member_row(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    member = await add_member(bot.sessions, user.id, name="Anna Berger")
    # The member's own command menu, as joining sets it.
    tg = bot.application.bot
    await tg.set_my_commands([BotCommand("hilfe", "Hilfe")], scope=BotCommandScopeChat(user.id))
    await tg.set_my_commands(
        [BotCommand("hilfe", "Hilfe")], scope=BotCommandScopeChat(user.id), language_code="de"
    )

    async with bot.sessions.begin() as session:  # a setting of her own
        await session.execute(
            update(Member).where(Member.id == member.id).values(activity_digest=False)
        )
    text = await leave_by_buttons(user)
    assert "Sie sind ausgetreten" in text
    assert "AWO Kreisverband Neustadt" in text
    await settle(user, "Einladungslink")  # no longer recognised

    stored = await member_of(bot.sessions, member.id)
    assert (stored.telegram_id, stored.display_name, stored.language) == (None, None, None)
    assert (stored.quiet_start, stored.quiet_end, stored.paused_until) == (None, None, None)
    assert (stored.reminder_hour, stored.activity_digest, stored.blocked) == (9, True, False)
    assert (stored.active, stored.reporting_contact) == (False, False)
    assert stored.left_at == bot.clock()
    # What the organisation's figures need stays.
    assert (stored.organisation_id, stored.role) == (member.organisation_id, "partner")
    [entry] = await audit(bot.sessions)
    assert (entry.action, entry.actor_id) == ("member.left", member.id)
    assert bot.fake.commands_for("chat", "", chat_id=user.id) == []
    assert bot.fake.commands_for("chat", "de", chat_id=user.id) == []


async def test_no_table_holds_the_name_or_telegram_id_after_leaving(bot: RunningBot) -> None:
    """Scans every table of the models, including those that later features add."""
    user = bot.fake.user(
        user_id=TELEGRAM_ID, first_name="Zacharias", last_name="Quellenbrink", language_code="de"
    )
    member = await add_member(bot.sessions, TELEGRAM_ID, name=NAME)
    colleague = bot.fake.user(language_code="de")
    await add_member(bot.sessions, colleague.id, name="Anna Berger")
    # Their settings, a draft in user_data and a running conversation ...
    await user.send("/einstellungen")
    settings = await user.next_message()
    await press(user, settings, "Pause")
    await press(user, settings, "2 Wochen")
    await press(user, settings, "Ruhezeit")
    await press(user, settings, "22 Uhr")
    # ... chat_data of their private chat and a conversation of theirs in a group.
    now = datetime.now(UTC)
    async with bot.sessions.begin() as session:
        session.add(ChatData(chat_id=TELEGRAM_ID, data={"seen": True}))
        key = json.dumps([GROUP_ID, TELEGRAM_ID], separators=(",", ":"))
        session.add(ConversationState(name="other", key=key, state=1, updated_at=now))
    await settle(user)
    before = await traces(bot.sessions, NAME, TELEGRAM_ID)
    # The scan finds what it looks for (else an empty result below would prove nothing).
    for place in ("members.display_name", "members.telegram_id", "user_data.user_id"):
        assert place in before
    assert {"chat_data.chat_id", "conversation_states.key"} <= set(before)

    assert "Sie sind ausgetreten" in await leave_by_buttons(user)
    await settle(user, "Einladungslink")

    assert await traces(bot.sessions, NAME, TELEGRAM_ID) == []
    stored = await member_of(bot.sessions, member.id)
    assert (stored.organisation_id, stored.active) == (member.organisation_id, False)
    await settle(colleague)  # the colleague is untouched


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_leaving_leaves_no_copy_in_the_sqlite_files(
    bot: RunningBot, database: DatabaseSettings
) -> None:
    """Erased is erased on disk too: SQLite keeps old versions of pages in its write-ahead log
    until a checkpoint, and deleted bytes in free space unless secure_delete is on."""
    path = Path(make_url(database.url).database or "")
    files = (path, path.with_name(f"{path.name}-wal"))
    user = bot.fake.user(
        user_id=TELEGRAM_ID, first_name="Zacharias", last_name="Quellenbrink", language_code="de"
    )
    await add_member(bot.sessions, TELEGRAM_ID, name=NAME)
    await user.send("/einstellungen")
    settings = await user.next_message()
    await press(user, settings, "Pause")
    await press(user, settings, "2 Wochen")
    await settle(user)
    # Their name and id as SQLite stores them: text, and the id as a 6-byte integer.
    traces = (*(part.encode() for part in NAME.split()), str(TELEGRAM_ID).encode())
    traces += (TELEGRAM_ID.to_bytes(6, "big"), TELEGRAM_ID.to_bytes(8, "big"))

    def found() -> list[str]:
        return [
            f"{file.name}: {trace!r}"
            for file in files
            if file.exists()
            for trace in traces
            if trace in file.read_bytes()
        ]

    assert found()  # the scan finds what it looks for
    # Their rows have reached the database file itself, as SQLite's own checkpoints (every
    # 1000 pages) bring them there sooner or later.
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert "Sie sind ausgetreten" in await leave_by_buttons(user)
    await settle(user, "Einladungslink")
    assert found() == []


async def test_leaving_in_the_middle_of_settings_ends_that_conversation(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    await add_member(bot.sessions, user.id)
    await user.send("/einstellungen")
    settings = await user.next_message()
    await press(user, settings, "Erinnerungszeit")
    assert "Sie sind ausgetreten" in await leave_by_buttons(user)
    # Inside /settings typing would get "use the buttons"; a stranger gets the explanation.
    await user.send("Hallo")
    assert "Einladungslink" in (await user.next_message()).text
    answer = await user.callback_answer(await user.press(settings, "8 Uhr"))
    assert "nicht mehr aktuell" in answer["text"]
    async with bot.sessions() as session:
        assert (await session.scalars(select(ConversationState))).all() == []
        assert (await session.scalars(select(UserData))).all() == []


async def test_cancelling_keeps_the_member(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    member = await add_member(bot.sessions, user.id)
    offer, _ = await open_mydata(user)
    await press(user, offer, "Austreten und Daten löschen")
    assert "Sie bleiben dabei" in await press(user, offer, "Abbrechen")
    assert offer.buttons == []
    await settle(user)
    stored = await member_of(bot.sessions, member.id)
    assert (stored.active, stored.telegram_id, stored.display_name) == (
        True,
        user.id,
        "Anna Berger",
    )
    assert await audit(bot.sessions) == []


async def test_a_forged_press_by_someone_else_changes_nothing(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    member = await add_member(bot.sessions, user.id)
    offer, _ = await open_mydata(user)
    stranger = bot.fake.user(language_code="de")
    for data in ("mydata:leave:confirm", "mydata:leave"):
        answer = await stranger.callback_answer(await stranger.press_data(offer, data))
        assert "nicht mehr als Mitglied" in answer["text"]
        assert answer["show_alert"] is True
    assert offer.buttons == [["Austreten und Daten löschen"]]
    await settle(user)
    stored = await member_of(bot.sessions, member.id)
    assert (stored.active, stored.telegram_id) == (True, user.id)
    assert await audit(bot.sessions) == []


async def test_a_stale_confirm_after_leaving_changes_nothing(bot: RunningBot) -> None:
    user = bot.fake.user(language_code="de")
    member = await add_member(bot.sessions, user.id)
    offer, _ = await open_mydata(user)
    await press(user, offer, "Austreten und Daten löschen")
    await user.press(offer, "Ja, austreten")
    await user.next_event(kinds=("edit",))
    answer = await user.callback_answer(await user.press_data(offer, "mydata:leave:confirm"))
    assert "nicht mehr als Mitglied" in answer["text"]
    [entry] = await audit(bot.sessions)
    assert entry.actor_id == member.id


# --- the service, without Telegram ----------------------------------------------------------


async def test_leave_deletes_only_this_persons_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    member = await add_member(sessions, 12345, name="Anna Berger")
    await add_member(sessions, 123456, name="Bernd Adler")  # an id that contains the other
    async with sessions.begin() as session:
        for user_id in (12345, 123456):
            session.add(UserData(user_id=user_id, data={"x": 1}))
            session.add(ChatData(chat_id=user_id, data={"x": 1}))
            key = f"[{user_id},{user_id}]"
            session.add(ConversationState(name="settings", key=key, state=0, updated_at=now))
    async with sessions.begin() as session:
        await leave(session, member.id, now)
    async with sessions() as session:
        assert (await session.scalars(select(UserData.user_id))).all() == [123456]
        assert (await session.scalars(select(ChatData.chat_id))).all() == [123456]
        assert (await session.scalars(select(ConversationState.key))).all() == ["[123456,123456]"]
        left = await session.get(Member, member.id)
        assert left is not None and left.left_at == now
        assert (left.telegram_id, left.display_name) == (None, None)


async def test_leaving_twice_or_exporting_a_former_member_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    member = await add_member(sessions, 12345)
    async with sessions.begin() as session:
        session.add(AuditEntry(at=now, actor_id=member.id, action="settings.changed"))
    async with sessions() as session:
        data = await export_member_data(session, member.id)
    json.dumps(data)  # JSON-ready as it is
    assert [entry["action"] for entry in data["audit_log"]] == ["settings.changed"]
    assert data["audit_log"][0]["at"] == "2026-11-27T10:00:00+00:00"
    async with sessions.begin() as session:
        await leave(session, member.id, now)
    async with sessions.begin() as session:
        with pytest.raises(NotFound):
            await leave(session, member.id, now)
    async with sessions() as session:
        with pytest.raises(NotFound):
            await export_member_data(session, member.id)
        with pytest.raises(NotFound):
            await export_member_data(session, 999)
    assert [entry.action for entry in await audit(sessions)] == ["settings.changed", "member.left"]
