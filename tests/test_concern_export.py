"""Export of concerns on SQLite and PostgreSQL: one row per thread message, the date range,
both file formats read back, nothing about who raised a concern (DESIGN section 6), the
command line's refusals, and /export in chat for coordinators only."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.config import DatabaseSettings
from bot.services import exports
from bot.services.concern import desk as concern_desk
from bot.services.concern.batch import Waiting, write_batch
from bot.services.concern.concerns import (
    NewConcern,
    add_message,
    add_reporter_message,
    open_concern,
)
from bot.services.concern.desk import ReporterNotice
from bot.services.outbox import OutgoingMessage
from bot.services.privacy_crypto import PrivacyKey, generate_key
from handlers.concern.callbacks import answer_data
from storage.models import Author, Concern, ConcernMessage, Member, Role
from tests.conftest import RunningBot
from tests.export_steps import export_this_year_as_csv, point_cli_at
from tests.factories import add_member
from tests.test_completeness import sessions  # noqa: F401 (a fixture)
from tests.test_reporting import example, partner

KEY = PrivacyKey.from_text(generate_key())
NOTICE = ReporterNotice(
    messages={"de": OutgoingMessage(text="Die Koordinierungsstelle hat geantwortet.")},
    answer_label={"de": "Antworten"},
    answer_data=answer_data,
)
# The named reporter and the coordinator: none of this may reach a file.
REPORTER, REPORTER_TELEGRAM_ID = "Berta Vogel", 4_711_000_123
COORDINATOR, COORDINATOR_TELEGRAM_ID = "Clara Koch", 4_711_000_456
# Everything the fixture initiative knows about them (organisations "a" and "koord").
WHO = (REPORTER, "Berta", "Vogel", str(REPORTER_TELEGRAM_ID), "Org A", COORDINATOR, "Koordination")

Row = tuple[str, str, str, str, date, bool, date, int, str, date, str]


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


async def member_id(session: AsyncSession, telegram_id: int) -> int:
    found = await session.scalar(select(Member.id).where(Member.telegram_id == telegram_id))
    assert found is not None
    return found


async def raise_concern(
    session: AsyncSession,
    text: str,
    opened: date,
    *,
    reporter_id: int | None = None,
    category: str = "communication",
    severity: str = "medium",
) -> str:
    concern = NewConcern.model_validate(
        {
            "anonymous": reporter_id is None,
            "category": category,
            "severity": severity,
            "text": text,
        }
    )
    waiting = Waiting()
    opened_concern = await open_concern(
        session,
        concern,
        key=KEY,
        reporter_id=reporter_id,
        today=opened,
        now=noon(opened),
        batch_minutes=60,
        waiting=waiting,
    )
    await write_batch(session, waiting.due(None))  # as the end of its batch writes it
    return opened_concern.ticket


async def write_again(session: AsyncSession, ticket: str, text: str, day: date) -> None:
    waiting = Waiting()
    await add_reporter_message(
        session, waiting, ticket, text, today=day, now=noon(day), batch_minutes=60
    )
    await write_batch(session, waiting.due(None))


async def fill(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:  # noqa: F811
    """Three concerns: anonymous across the new year, named with a dialogue in January,
    anonymous and resolved in March. Returns their tickets."""
    await add_member(sessions, REPORTER_TELEGRAM_ID, name=REPORTER, organisation="a")
    await add_member(
        sessions,
        COORDINATOR_TELEGRAM_ID,
        name=COORDINATOR,
        organisation="koord",
        role=Role.COORDINATOR,
    )
    async with sessions.begin() as session:
        reporter = await member_id(session, REPORTER_TELEGRAM_ID)
        coordinator = await member_id(session, COORDINATOR_TELEGRAM_ID)
        winter = await raise_concern(
            session, "Die Abstimmung stockt.", date(2025, 12, 20), severity="high"
        )
        await write_again(session, winter, "Es ist noch schlimmer geworden.", date(2026, 1, 2))
        named = await raise_concern(
            session, "Wer entscheidet über die Mittel?", date(2026, 1, 10), reporter_id=reporter
        )
        await concern_desk.reply(
            session,
            named,
            "Danke, wir klären das bis Mittwoch.",
            coordinator_id=coordinator,
            today=date(2026, 1, 12),
            now=noon(date(2026, 1, 12)),
            batch_minutes=60,
            key=KEY,
            notice=NOTICE,
        )
        await write_again(session, named, "Danke für die schnelle Antwort.", date(2026, 1, 14))
        spring = await raise_concern(
            session, "=Zu wenig Räume", date(2026, 3, 5), category="resources", severity="low"
        )
        await concern_desk.set_status(
            session,
            spring,
            "resolved",
            today=date(2026, 3, 20),
            now=noon(date(2026, 3, 20)),
            key=KEY,
            notice=NOTICE,
        )
    return {"winter": winter, "named": named, "spring": spring}


def expected(tickets: dict[str, str]) -> list[Row]:
    winter, named, spring = tickets["winter"], tickets["named"], tickets["spring"]
    w = (winter, "communication", "high", "new", date(2025, 12, 20), True, date(2026, 1, 2))
    n = (
        named,
        "communication",
        "medium",
        "in_dialogue",
        date(2026, 1, 10),
        False,
        date(2026, 1, 14),
    )
    s = (spring, "resources", "low", "resolved", date(2026, 3, 5), True, date(2026, 3, 20))
    return [
        (*w, 1, "reporter", date(2025, 12, 20), "Die Abstimmung stockt."),
        (*w, 2, "reporter", date(2026, 1, 2), "Es ist noch schlimmer geworden."),
        (*n, 1, "reporter", date(2026, 1, 10), "Wer entscheidet über die Mittel?"),
        (*n, 2, "coordination", date(2026, 1, 12), "Danke, wir klären das bis Mittwoch."),
        (*n, 3, "reporter", date(2026, 1, 14), "Danke für die schnelle Antwort."),
        (*s, 1, "reporter", date(2026, 3, 5), "=Zu wenig Räume"),
    ]


def german_csv(row: Row) -> list[str]:
    """How the German CSV writes a row: dd.mm.yyyy, ja/nein, formulas guarded."""

    def cell(value: object) -> str:
        if isinstance(value, bool):
            return "ja" if value else "nein"
        if isinstance(value, date):
            return f"{value.day:02}.{value.month:02}.{value.year}"
        text = str(value)
        return "'" + text if text.startswith("=") else text

    return [cell(value) for value in row]


def excel(row: Row) -> tuple[object, ...]:
    """How openpyxl reads a row back: date cells as midnight datetimes."""
    return tuple(datetime(v.year, v.month, v.day) if isinstance(v, date) else v for v in row)


async def secrets_of(sessions: async_sessionmaker[AsyncSession]) -> list[str]:  # noqa: F811
    """Receipt hashes and sealed chats as stored: also never in a file."""
    async with sessions() as session:
        rows = await session.execute(select(Concern.receipt_hash, Concern.contact))
        return [value for row in rows for value in row if value]


async def test_every_message_in_order_and_the_date_range(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    tickets = await fill(sessions)
    rows = expected(tickets)

    async def exported(since: date | None, until: date | None) -> list[Row]:
        async with sessions() as session:
            table = await exports.concerns(session, since=since, until=until)
        assert table.columns == exports.CONCERN_COLUMNS
        return [cast(Row, tuple(row)) for row in table.rows]

    assert await exported(None, None) == rows
    # A concern counts when opened_on..last_activity_on overlaps the range, ends included;
    # then its whole thread is written.
    assert await exported(date(2026, 1, 1), date(2026, 1, 31)) == rows[:5]
    assert await exported(date(2026, 1, 3), date(2026, 1, 31)) == rows[2:5]
    assert await exported(None, date(2025, 12, 31)) == rows[:2]
    assert await exported(date(2026, 3, 20), None) == rows[5:]
    assert await exported(None, date(2026, 3, 5)) == rows
    assert await exported(date(2026, 1, 15), date(2026, 3, 4)) == []


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_gwbot_export_concerns_holds_no_reporter(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    database: DatabaseSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    file_format: str,
) -> None:
    tickets = await fill(sessions)
    point_cli_at(monkeypatch, database)
    out = tmp_path / f"anliegen.{file_format}"
    command = ["export", "--what", "concerns", "--format", file_format, "--out", str(out)]
    # In a thread: `main` runs its own event loop.
    await asyncio.to_thread(main, [*command, "--since", "2026-01-03"])
    assert capsys.readouterr().out == f"{out}: 4 concern messages written.\n"
    rows = expected(tickets)[2:]  # the winter concern ended on 2 January 2026
    content = out.read_bytes()
    if file_format == "csv":
        text = content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        assert table[0] == list(exports.CONCERN_COLUMNS)
        assert table[1:] == [german_csv(row) for row in rows]
    else:
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        assert workbook.sheetnames == ["concerns"]
        sheet = workbook.active
        assert sheet is not None
        cells = list(sheet.iter_rows(values_only=True))
        assert cells[0] == exports.CONCERN_COLUMNS
        assert cells[1:] == [excel(row) for row in rows]
        text = " ".join(str(value) for row in cells for value in row)
    for trace in (*WHO, *await secrets_of(sessions)):
        assert trace not in text


async def test_export_of_concerns_in_chat(bot: RunningBot) -> None:
    await example(bot)  # today is 20 January 2026
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    async with bot.sessions.begin() as session:
        old = await raise_concern(session, "Alte Sache.", date(2025, 11, 3))
        quiet = await raise_concern(session, "Niemand antwortet.", date(2026, 1, 5))
        named = await raise_concern(
            session,
            "Die Termine passen nicht.",
            date(2026, 1, 12),
            reporter_id=await member_id(session, anna.id),
        )
        await add_message(
            session,
            named,
            "Wir schauen uns das an.",
            author=Author.COORDINATION,
            coordinator_id=await member_id(session, clara.id),
            today=date(2026, 1, 13),
            now=noon(date(2026, 1, 13)),
            batch_minutes=60,
        )
    exported = await export_this_year_as_csv(clara, "Anliegen (Frühwarnkanal)")
    assert exported.done == (
        "📎 Hier ist die Datei mit 3 Nachrichten aus Anliegen. Sie enthält nichts darüber,"
        " wer ein Anliegen gemeldet hat."
    )
    document, text, table = exported.document, exported.text, exported.table
    assert document.file_name == "anliegen-2026.csv"
    assert document.text.startswith("Anliegen aus dem Frühwarnkanal · 2026 · ohne Angaben")
    assert table[0] == list(exports.CONCERN_COLUMNS)
    assert [(r[0], r[5], r[7], r[8], r[10]) for r in table[1:]] == [
        (quiet, "ja", "1", "reporter", "Niemand antwortet."),
        (named, "nein", "1", "reporter", "Die Termine passen nicht."),
        (named, "nein", "2", "coordination", "Wir schauen uns das an."),
    ]
    assert old not in text
    for trace in ("Anna", "Berger", str(anna.id), "AWO", "Clara", str(clara.id)):
        assert trace not in text


async def test_a_partner_cannot_export_concerns(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    async with bot.sessions.begin() as session:
        await raise_concern(session, "Niemand antwortet.", date(2026, 1, 5))

    async def state() -> tuple[object, ...]:
        async with bot.sessions() as session:
            concerns = (
                await session.execute(select(Concern.status, Concern.last_activity_on))
            ).all()
            messages = await session.scalar(select(func.count(ConcernMessage.id)))
        return (*concerns, messages)

    before = await state()
    await anna.send("/export")
    refusal = await anna.next_message()
    assert "nicht für Ihre Rolle" in refusal.text
    answer = await anna.callback_answer(await anna.press_data(refusal, "exp:concerns:csv:all"))
    assert answer["text"] == "Das dürfen nur Koordinator*innen."
    await anna.expect_no_message()
    assert await state() == before
