"""Activities in v_activities and in exports on SQLite and PostgreSQL (issue 15, DESIGN section
4): the view's values (ISO dates, sorted partner codes, NULL reach) the same on both, one export
row per activity with the reach as logged, the date range, both file formats read back from
`gwbot export`, nothing about who logged an activity, and /export in chat for coordinators."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.config import DatabaseSettings
from bot.services.activity import export as activity_export
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from storage.models import Member, Role
from tests.conftest import RunningBot
from tests.export_steps import export_this_year_as_csv, point_cli_at
from tests.factories import add_activity, add_member
from tests.test_agenda import EXAMPLE
from tests.test_reporting import example, partner

# Who logged the activities: never in a view or a file.
LOGGER, LOGGER_TELEGRAM_ID = "Berta Vogel", 4_711_000_789


@pytest.fixture
async def sessions(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """A database at the newest schema with the example initiative (organisations awo,
    caritas, mgh, stadt ...; goals fruehe-bildung, familien-erreichen, schulstart)."""
    async with sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))
    return sessions


async def fill(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """Four activities, logged in this order: Nov 2026 with two partners (stored caritas
    first), the same day without anything optional, the last day of 2025 with a reach below 5,
    and New Year's Day 2026. Returns their ids."""
    await add_member(sessions, LOGGER_TELEGRAM_ID, name=LOGGER, organisation="stadt")
    async with sessions.begin() as session:
        logger = await session.scalar(
            select(Member.id).where(Member.telegram_id == LOGGER_TELEGRAM_ID)
        )
        return [
            await add_activity(
                session,
                "stadt",
                date(2026, 11, 27),
                "Elterncafé im Familienzentrum",
                "familien-erreichen",
                partners=("caritas", "awo"),
                target_group="Familien mit Kindern unter 3",
                district="Nordstadt",
                reach=42,
                description="Offenes Treffen; Dolmetscherin für Arabisch.",
                member_id=logger,
            ),
            await add_activity(session, "caritas", date(2026, 11, 27), "Sprachkurs", "schulstart"),
            await add_activity(
                session,
                "mgh",
                date(2025, 12, 31),
                "=Vorlesestunde",
                "fruehe-bildung",
                partners=("ev-kirche",),
                district="Südstadt",
                reach=3,
                member_id=logger,
            ),
            await add_activity(
                session,
                "awo",
                date(2026, 1, 1),
                "Neujahrsempfang",
                "fruehe-bildung",
                target_group="Fachkräfte",
                reach=0,
            ),
        ]


def expected(ids: list[int], language: str = "de") -> list[list[Any]]:
    """The export's rows, by date and then id."""
    november, course, reading, new_year = ids
    goals = {
        "de": ("Familien früh erreichen", "Gut vorbereitet in die Schule", "Frühe Bildung stärken"),
        "en": (
            "Reach families early",
            "Starting school well prepared",
            "Strengthen early education",
        ),
    }
    families, school, early = goals[language]
    return [
        [
            reading,
            date(2025, 12, 31),
            "mgh",
            "Mehrgenerationenhaus Neustadt e. V.",
            "=Vorlesestunde",
            "fruehe-bildung",
            early,
            None,
            "Südstadt",
            3,
            "ev-kirche",
            None,
        ],
        [
            new_year,
            date(2026, 1, 1),
            "awo",
            "AWO Kreisverband Neustadt",
            "Neujahrsempfang",
            "fruehe-bildung",
            early,
            "Fachkräfte",
            None,
            0,
            None,
            None,
        ],
        [
            november,
            date(2026, 11, 27),
            "stadt",
            "Stadt Neustadt – Fachbereich Jugend, Familie und Bildung",
            "Elterncafé im Familienzentrum",
            "familien-erreichen",
            families,
            "Familien mit Kindern unter 3",
            "Nordstadt",
            42,
            "awo,caritas",
            "Offenes Treffen; Dolmetscherin für Arabisch.",
        ],
        [
            course,
            date(2026, 11, 27),
            "caritas",
            "Caritasverband Neustadt e. V.",
            "Sprachkurs",
            "schulstart",
            school,
            None,
            None,
            None,
            None,
            None,
        ],
    ]


async def test_v_activities_holds_the_same_values_on_both_databases(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    november, course, reading, new_year = await fill(sessions)
    async with sessions() as session:
        result = await session.execute(text("SELECT * FROM v_activities ORDER BY activity_id"))
        columns = list(result.keys())
        rows = [dict(row) for row in result.mappings()]
    assert columns == [
        "activity_id",
        "organisation_code",
        "activity_date",
        "title",
        "goal_code",
        "target_group",
        "district",
        "reach",
        "partner_codes",
    ]
    assert rows == [
        {
            "activity_id": november,
            "organisation_code": "stadt",
            "activity_date": "2026-11-27",
            "title": "Elterncafé im Familienzentrum",
            "goal_code": "familien-erreichen",
            "target_group": "Familien mit Kindern unter 3",
            "district": "Nordstadt",
            "reach": 42,
            "partner_codes": "awo,caritas",
        },
        {
            "activity_id": course,
            "organisation_code": "caritas",
            "activity_date": "2026-11-27",
            "title": "Sprachkurs",
            "goal_code": "schulstart",
            "target_group": None,
            "district": None,
            "reach": None,
            "partner_codes": None,
        },
        {
            "activity_id": reading,
            "organisation_code": "mgh",
            "activity_date": "2025-12-31",
            "title": "=Vorlesestunde",
            "goal_code": "fruehe-bildung",
            "target_group": None,
            "district": "Südstadt",
            # The view holds the number; "< 5" is how members' views in chat show it.
            "reach": 3,
            "partner_codes": "ev-kirche",
        },
        {
            "activity_id": new_year,
            "organisation_code": "awo",
            "activity_date": "2026-01-01",
            "title": "Neujahrsempfang",
            "goal_code": "fruehe-bildung",
            "target_group": "Fachkräfte",
            "district": None,
            "reach": 0,
            "partner_codes": None,
        },
    ]
    assert LOGGER not in repr(rows) and str(LOGGER_TELEGRAM_ID) not in repr(rows)


async def test_one_row_per_activity_and_the_date_range(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await fill(sessions)
    rows = expected(ids)

    async def exported(
        since: date | None, until: date | None, language: str = "de"
    ) -> list[list[Any]]:
        async with sessions() as session:
            table = await activity_export.activities(
                session, since=since, until=until, language=language
            )
        assert table.columns == activity_export.ACTIVITY_COLUMNS
        return [list(row) for row in table.rows]

    assert await exported(None, None) == rows
    assert await exported(None, None, "en") == expected(ids, "en")
    # The activity's date within [since, until], ends included.
    assert await exported(date(2026, 1, 1), date(2026, 12, 31)) == rows[1:]
    assert await exported(date(2026, 1, 2), None) == rows[2:]
    assert await exported(None, date(2026, 1, 1)) == rows[:2]
    assert await exported(date(2025, 12, 31), date(2025, 12, 31)) == rows[:1]
    assert await exported(date(2026, 11, 27), date(2026, 11, 27)) == rows[2:]
    assert await exported(date(2026, 1, 2), date(2026, 11, 26)) == []


def german_csv(row: list[Any]) -> list[str]:
    """How the German CSV writes a row: dd.mm.yyyy, empty for None, formulas guarded."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, date):
            return f"{value.day:02}.{value.month:02}.{value.year}"
        written = str(value)
        return "'" + written if written.startswith("=") else written

    return [cell(value) for value in row]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_gwbot_export_activities_reads_back(
    sessions: async_sessionmaker[AsyncSession],
    database: DatabaseSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    file_format: str,
) -> None:
    ids = await fill(sessions)
    point_cli_at(monkeypatch, database)
    out = tmp_path / f"aktivitaeten.{file_format}"
    command = ["export", "--what", "activities", "--format", file_format, "--out", str(out)]
    # In a thread: `main` runs its own event loop.
    await asyncio.to_thread(main, [*command, "--since", "2026-01-01", "--until", "2026-12-31"])
    assert capsys.readouterr().out == f"{out}: 3 activities written.\n"
    rows = expected(ids)[1:]
    written = text_of(out.read_bytes(), file_format)
    if file_format == "csv":
        table = list(csv.reader(io.StringIO(written, newline=""), delimiter=";"))
        assert table[0] == list(activity_export.ACTIVITY_COLUMNS)
        assert table[1:] == [german_csv(row) for row in rows]
    else:
        cells = xlsx_rows(out.read_bytes())
        assert cells[0] == activity_export.ACTIVITY_COLUMNS
        assert cells[1:] == [
            tuple(datetime(v.year, v.month, v.day) if isinstance(v, date) else v for v in row)
            for row in rows
        ]
    assert LOGGER not in written and str(LOGGER_TELEGRAM_ID) not in written
    # Goal titles in the language asked for.
    await asyncio.to_thread(main, [*command, "--lang", "en"])
    assert capsys.readouterr().out == f"{out}: 4 activities written.\n"
    written = text_of(out.read_bytes(), file_format)
    assert "Reach families early" in written and "Familien früh erreichen" not in written


def xlsx_rows(content: bytes) -> list[tuple[Any, ...]]:
    """The sheet `activities`, rows padded: read-only openpyxl leaves out empty cells at the
    end of a row."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["activities"]
    sheet = workbook.active
    assert sheet is not None
    width = len(activity_export.ACTIVITY_COLUMNS)
    return [(*row, *[None] * (width - len(row))) for row in sheet.iter_rows(values_only=True)]


def text_of(content: bytes, file_format: str) -> str:
    if file_format == "csv":
        return content.decode("utf-8-sig")
    return " ".join(str(value) for row in xlsx_rows(content) for value in row)


async def test_export_of_activities_in_chat(bot: RunningBot) -> None:
    await example(bot)  # today is 20 January 2026
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    async with bot.sessions.begin() as session:
        anna_id = await session.scalar(select(Member.id).where(Member.telegram_id == anna.id))
        await add_activity(
            session, "awo", date(2025, 11, 3), "Letztes Jahr", "fruehe-bildung", member_id=anna_id
        )
        cafe = await add_activity(
            session,
            "awo",
            date(2026, 1, 12),
            "Elterncafé",
            "familien-erreichen",
            partners=("mgh", "caritas"),
            district="Nordstadt",
            reach=2,
            member_id=anna_id,
        )
        course = await add_activity(
            session, "caritas", date(2026, 1, 5), "Sprachkurs", "schulstart", reach=15
        )
    exported = await export_this_year_as_csv(clara, "Aktivitäten der Partner")
    assert exported.done == ("📎 Hier ist die Datei mit 2 Aktivitäten.")
    document, written, table = exported.document, exported.text, exported.table
    assert document.file_name == "aktivitaeten-2026.csv"
    assert document.text.startswith("Aktivitäten · 2026 · ")
    assert table[0] == list(activity_export.ACTIVITY_COLUMNS)
    assert table[1:] == [
        [
            str(course),
            "05.01.2026",
            "caritas",
            "Caritasverband Neustadt e. V.",
            "Sprachkurs",
            "schulstart",
            "Gut vorbereitet in die Schule",
            "",
            "",
            "15",
            "",
            "",
        ],
        [
            str(cafe),
            "12.01.2026",
            "awo",
            "AWO Kreisverband Neustadt",
            "Elterncafé",
            "familien-erreichen",
            "Familien früh erreichen",
            "",
            "Nordstadt",
            # Coordinators get the number; "< 5" is for members' views.
            "2",
            "caritas,mgh",
            "",
        ],
    ]
    assert "Letztes Jahr" not in written
    for trace in ("Anna", "Berger", str(anna.id), "Clara", str(clara.id)):
        assert trace not in written


async def test_a_partner_cannot_export_activities(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/export")
    refusal = await anna.next_message()
    assert "nicht für Ihre Rolle" in refusal.text
    answer = await anna.callback_answer(await anna.press_data(refusal, "exp:activities:csv:all"))
    assert answer["text"] == "Das dürfen nur Koordinator*innen."
    await anna.expect_no_message()
