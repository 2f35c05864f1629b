"""Exports and imports of values: both formats read back with the right numbers, dates and
umlauts; an export imported back changes nothing; broken files are refused with the row and
column and write nothing; /export in chat."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.services import exports
from bot.services.imports import import_values
from bot.services.table_reader import read_table
from storage.models import Indicator, IndicatorValue, Organisation, Role
from tests.conftest import RunningBot
from tests.test_completeness import at, put, sessions  # noqa: F401 (a fixture)
from tests.test_reporting import example, partner

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


async def fill(sessions: async_sessionmaker[AsyncSession]) -> None:  # noqa: F811
    async with sessions.begin() as session:
        await put(session, "summe", "a", "2026-01", 1234, at(1, 2))
        await put(session, "summe", "b", "2026-01", None, at(2, 2))  # not applicable
        await put(session, "mittel", "a", "2026-01", 2.5, at(1, 2))
        await put(session, "mittel", "a", "2026-01", 3.75, at(9, 2), revision=2)
        await put(session, "janein", "c", "2026-02", 1, at(3, 3), source="import")
        row = await session.scalar(select(IndicatorValue).where(IndicatorValue.value == 1234))
        assert row is not None
        row.note = "Neue Kita „Fröbel-Süd“ in der Straße; eröffnet"


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:  # noqa: F811
    async with sessions() as session:
        return int(await session.scalar(select(func.count(IndicatorValue.id))) or 0)


@pytest.mark.parametrize(
    ("file_format", "language"), [("csv", "de"), ("csv", "en"), ("xlsx", "de")]
)
async def test_an_export_reads_back_and_imports_back_without_change(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    file_format: str,
    language: str,
) -> None:
    await fill(sessions)
    async with sessions() as session:
        export = await exports.values(session, language=language, on_behalf="im Auftrag")
    content = export.file(file_format, language, "Werte")
    table = read_table(content, f"werte.{file_format}")
    assert table.columns == list(exports.VALUE_COLUMNS)
    rows = {(r.cells["indicator"], r.cells["organisation"]): r.cells for r in table.rows}
    assert len(rows) == 4  # the latest revision of each
    kita = rows[("summe", "a")]
    mittel = rows[("mittel", "a")]
    if file_format == "xlsx":
        assert (kita["value"], mittel["value"], mittel["revision"]) == (1234, 3.75, 2)
        assert kita["reported_at"] == datetime(2026, 2, 1, 13, 0)  # Berlin wall time
    elif language == "de":
        assert (kita["value"], mittel["value"], kita["reported_at"]) == (
            "1234",
            "3,75",
            "01.02.2026 13:00",
        )
    else:
        assert (kita["value"], mittel["value"], kita["reported_at"]) == (
            "1234",
            "3.75",
            "2026-02-01 13:00",
        )
    assert kita["note"] == "Neue Kita „Fröbel-Süd“ in der Straße; eröffnet"
    assert rows[("summe", "b")]["value"] is None
    assert rows[("janein", "c")]["source"] == "import"
    before = await count(sessions)
    async with sessions.begin() as session:
        outcome = await import_values(session, table, language=language, now=NOW)
    assert (outcome.problems, outcome.written, outcome.unchanged) == ([], 0, 4)
    assert await count(sessions) == before


async def test_all_revisions_and_a_date_range(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    await fill(sessions)
    async with sessions() as session:
        everything = await exports.values(session, language="de", on_behalf="x", all_revisions=True)
        february = await exports.values(
            session, language="de", on_behalf="x", since=date(2026, 2, 1), until=date(2026, 2, 28)
        )
    assert len(everything.rows) == 5
    assert [row[:3] for row in february.rows] == [["janein", "c", "2026-02"]]
    table = read_table(everything.file("csv", "de", "Werte"), "alle.csv")
    async with sessions.begin() as session:
        outcome = await import_values(session, table, language="de", now=NOW)
    assert (outcome.written, outcome.unchanged) == (0, 5)


async def test_a_simple_file_imports_past_figures(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    csv = "indicator;organisation;period;value\r\nsumme;a;2025-12;1.500\r\nmittel;b;2026-01;2,5\r\n"
    table = read_table(csv.encode("utf-8"), "alt.csv")
    async with sessions.begin() as session:
        dry = await import_values(session, table, language="de", now=NOW, dry_run=True)
    assert (dry.written, await count(sessions)) == (2, 0)
    # What a summary in chat shows: per organisation and the periods covered.
    assert sum(dry.written_by_organisation.values()) == 2
    assert len(dry.written_by_organisation) == 2 and not dry.unchanged_by_organisation
    assert dry.periods == {"2025-12", "2026-01"}
    async with sessions.begin() as session:
        outcome = await import_values(session, table, language="de", now=NOW)
    assert outcome.written == 2
    async with sessions() as session:
        # Without an actor (the command line) the values are nobody's.
        assert set((await session.scalars(select(IndicatorValue.reported_by))).all()) == {None}
        stored = (await session.execute(select(IndicatorValue.value, IndicatorValue.source))).all()
        completeness = (
            await session.execute(
                text(
                    "SELECT reported, on_time FROM v_reporting_completeness"
                    " WHERE indicator_code = 'mittel' AND organisation_code = 'b'"
                    " AND period = '2026-01'"
                )
            )
        ).one()
    assert sorted(tuple(r) for r in stored) == [(2.5, "import"), (1500.0, "import")]
    assert tuple(completeness) == (1, None)  # reported; imported values have no on-time status


async def test_broken_files_name_row_and_column_and_write_nothing(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    csv = (
        "indicator;organisation;period;value\r\n"
        "summe;a;2026-01;12\r\n"
        "gibtsnicht;a;2026-01;12\r\n"
        "summe;zz;2026-W03;12\r\n"
        "mittel;a;Januar;1\r\n"
        "skala;a;2026-01;7\r\n"
        "mittel;a;2026-01;\r\n"
    )
    table = read_table(csv.encode("utf-8"), "kaputt.csv")
    async with sessions.begin() as session:
        outcome = await import_values(session, table, language="de", now=NOW)
    found = [(p.row, p.column, p.code) for p in outcome.problems]
    assert found == [
        (3, "indicator", "unknown_indicator"),
        (4, "organisation", "unknown_organisation"),
        (5, "period", "bad_period"),
        (6, "value", "bad_value"),
        (7, "value", "missing_value"),
    ]
    assert outcome.written == 0 and await count(sessions) == 0


def test_gwbot_export_and_import_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_agenda import EXAMPLE

    main(["initiative", "apply", str(EXAMPLE)])
    good = tmp_path / "alt.csv"
    good.write_text(
        "indicator;organisation;period;value\nkita-plaetze;awo;2025-12;9\n", encoding="utf-8"
    )
    main(["import", "values", str(good)])
    assert "1 rows; 1 values written, 0 unchanged." in capsys.readouterr().out
    out = tmp_path / "werte.xlsx"
    main(["export", "--format", "xlsx", "--out", str(out)])
    assert "1 values written" in capsys.readouterr().out
    assert read_table(out.read_bytes(), out.name).rows[0].cells["value"] == 9
    broken = tmp_path / "kaputt.csv"
    broken.write_text("indicator;organisation;period;value\nkita;awo;2025-12;9\n", encoding="utf-8")
    with pytest.raises(SystemExit) as failed:
        main(["import", "values", str(broken)])
    assert failed.value.code == 2
    err = capsys.readouterr().err
    assert "nothing was written" in err
    assert "row 2, column indicator: no indicator has the code 'kita'" in err
    png = tmp_path / "bild.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(SystemExit):
        main(["import", "values", str(png)])
    assert "this is no CSV or XLSX file" in capsys.readouterr().err


@pytest.mark.parametrize("what", ["activities", "concerns", "pulse"])
def test_the_command_line_refuses_revisions_except_for_values(
    what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"{what}.csv"
    command = ["export", "--what", what, "--all-revisions", "--format", "csv"]
    with pytest.raises(SystemExit) as refused:
        main([*command, "--out", str(out)])
    assert refused.value.code == 2
    assert "--all-revisions is for values only" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "gwbot.db").exists()


def test_the_command_line_refuses_what_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "signale.csv"
    with pytest.raises(SystemExit) as refused:
        main(["export", "--what", "signals", "--format", "csv", "--out", str(out)])
    assert refused.value.code == 2
    assert "invalid choice: 'signals'" in capsys.readouterr().err
    assert not out.exists()


async def test_export_in_chat(bot: RunningBot) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    await clara.send("/export")
    menu = await clara.next_message()
    await clara.press_and_read(menu, "Gemeldete Kennzahlen-Werte")
    await clara.press_and_read(menu, "Excel (XLSX)")
    assert await clara.press_and_read(menu, "Dieses Jahr") == "📎 Hier ist die Datei mit 0 Werten."
    document = await clara.next_message()
    assert document.file_name == "kennzahlen-2026.xlsx"
    assert document.content is not None
    assert read_table(document.content, "x.xlsx").columns == list(exports.VALUE_COLUMNS)
    await anna.send("/export")
    assert "nicht für Ihre Rolle" in (await anna.next_message()).text
    answer = await anna.callback_answer(await anna.press_data(menu, "exp:values:csv:all"))
    assert answer["text"] == "Das dürfen nur Koordinator*innen."


async def test_export_in_chat_for_a_period_typed(bot: RunningBot) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    async with bot.sessions.begin() as session:
        kita = await session.scalar(select(Indicator.id).where(Indicator.code == "kita-plaetze"))
        for code, period in (("awo", "2025-12"), ("caritas", "2026-01")):
            org = await session.scalar(select(Organisation.id).where(Organisation.code == code))
            session.add(
                IndicatorValue(
                    indicator_id=kita,
                    organisation_id=org,
                    period=period,
                    value=4,
                    reported_at=datetime(2026, 1, 10, tzinfo=UTC),
                )
            )
    await clara.send("/export")
    menu = await clara.next_message()
    await clara.press_and_read(menu, "Gemeldete Kennzahlen-Werte")
    await clara.press_and_read(menu, "CSV (für Excel und andere)")
    asked = await clara.press_and_read(menu, "📅 Anderer Zeitraum")
    assert asked == "Von wann bis wann? Schreiben Sie zum Beispiel: 01.01.2026 – 30.06.2026"
    # Wrong input is answered and changes nothing; the question stays open.
    for wrong, answer in (
        ("irgendwann im Winter", "Das habe ich nicht als Zeitraum erkannt."),
        ("31.01.2026 - 01.01.2026", "Der Anfang liegt nach dem Ende."),
        ("x" * 500, "Das habe ich nicht als Zeitraum erkannt."),
    ):
        await clara.send(wrong)
        assert (await clara.next_message()).text.startswith(answer)
    await clara.send_photo()
    assert (await clara.next_message()).text.startswith("Das habe ich nicht als Zeitraum")

    await clara.send("1.1.2026 bis 31.1.2026")
    assert (await clara.next_message()).text == "📎 Hier ist die Datei mit 1 Wert."
    document = await clara.next_message()
    assert document.file_name == "kennzahlen-2026-01-01_2026-01-31.csv"
    assert document.text == "Gemeldete Kennzahlen-Werte · 01.01.2026–31.01.2026"
    assert document.content is not None
    table = read_table(document.content, "x.csv")
    assert [(row.cells["organisation"], row.cells["period"]) for row in table.rows] == [
        ("caritas", "2026-01")
    ]
    # The conversation is over: the next text is no period any more.
    await clara.send("1.1.2026 bis 31.1.2026")
    assert "Hier ist die Datei" not in (await clara.next_message()).text
