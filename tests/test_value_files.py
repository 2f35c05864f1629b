"""Values from a CSV or XLSX file sent in chat (issue 23, deliverable 4): a coordinator sends
the file, sees what would be saved (or every problem, by row and column) and saves it with one
button; the values are the coordinator's, audited, and nothing is ever written twice. Partners
and strangers are told what they can do; a file sent during another conversation is read and
that conversation goes on."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.services.table_files import write_xlsx
from storage.models import AuditEntry, IndicatorValue, Member, Role, ValueSource
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import coordinator, member
from tests.test_reporting import example, values

HEADER = "indicator;organisation;period;value\r\n"
# German Excel's CSV: `;` between cells, a decimal comma.
GOOD = (
    HEADER + "kita-plaetze;awo;2025-11;12\r\n"
    "kita-plaetze;awo;2025-12;14\r\n"
    "kita-plaetze;caritas;2025-12;9\r\n"
    "wartezeit-beratung;caritas;2025-12;2,5\r\n"
    "eltern-kind-teilnahmen;awo;2025-W50;30\r\n"
).encode()
SAVE, CANCEL = "✅ Speichern", "✖️ Abbrechen"


async def send_file(
    user: FakeUser, name: str, content: bytes, mime_type: str = "text/csv"
) -> BotMessage:
    await user.send_document(name, content, mime_type)
    return await user.next_message()


async def stored(bot: RunningBot) -> list[tuple[Any, ...]]:
    async with bot.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT indicator_code, organisation_code, period, value FROM v_indicator_values"
                " ORDER BY indicator_code, organisation_code, period"
            )
        )
        return [tuple(row) for row in rows]


async def member_id(bot: RunningBot, user: FakeUser) -> int:
    async with bot.sessions() as session:
        found = await session.scalar(select(Member.id).where(Member.telegram_id == user.id))
        assert found is not None
        return found


async def audit_entries(bot: RunningBot) -> list[AuditEntry]:
    async with bot.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "values.imported")
        )
        return list(rows.all())


async def test_a_coordinator_sends_a_csv_sees_what_would_be_saved_and_saves_it(
    bot: RunningBot,
) -> None:
    await example(bot)
    clara = await coordinator(bot)
    summary = await send_file(clara, "altdaten.csv", GOOD)
    assert summary.text.startswith("📄 altdaten.csv: 5 Zeilen gelesen.\n")
    assert "Zu speichern: 5 Werte · schon so gespeichert: 0" in summary.text
    assert "• AWO Kreisverband Neustadt: 3 zu speichern, 0 unverändert" in summary.text
    assert "• Caritasverband Neustadt e. V.: 2 zu speichern, 0 unverändert" in summary.text
    assert "Monate: November 2025 bis Dezember 2025 (2 verschiedene)" in summary.text
    assert "Wochen: KW 50/2025" in summary.text
    assert summary.buttons == [[SAVE, CANCEL]]
    assert await values(bot) == []  # a summary writes nothing

    await clara.press(summary, SAVE)
    saved = await clara.next_message()
    assert saved.text.startswith("✅ 5 Werte gespeichert (schon so gespeichert: 0).")
    assert await stored(bot) == [
        ("eltern-kind-teilnahmen", "awo", "2025-W50", 30.0),
        ("kita-plaetze", "awo", "2025-11", 12.0),
        ("kita-plaetze", "awo", "2025-12", 14.0),
        ("kita-plaetze", "caritas", "2025-12", 9.0),
        ("wartezeit-beratung", "caritas", "2025-12", 2.5),
    ]
    clara_id = await member_id(bot, clara)
    assert {(v.reported_by, v.source) for v in await values(bot)} == {
        (clara_id, ValueSource.IMPORT)
    }
    (entry,) = await audit_entries(bot)
    assert (entry.actor_id, entry.subject) == (clara_id, "altdaten.csv")
    assert (entry.details["written"], entry.details["rows"]) == (5, 5)
    # The summary's buttons are gone; the same file again has nothing new.
    assert clara.messages[-2].buttons == []
    again = await send_file(clara, "altdaten.csv", GOOD)
    assert "Alle 5 Werte sind schon genau so gespeichert" in again.text
    assert again.buttons == []


async def test_an_xlsx_file_with_real_numbers_is_read_alike(bot: RunningBot) -> None:
    await example(bot)
    anton = await coordinator(bot, "Anton Admin", Role.ADMIN)
    workbook = write_xlsx(
        ["indicator", "organisation", "period", "value", "note"],
        [
            ["kita-plaetze", "awo", "2025-10", 7, "aus der Jahresstatistik"],
            ["wartezeit-beratung", "caritas", "2025-10", 3.5, None],
            ["infos-mehrsprachig", "mgh", "2025-Q4", True, None],
        ],
        sheet_title="Werte",
    )
    summary = await send_file(anton, "werte.xlsx", workbook, "application/vnd.ms-excel")
    assert "Zu speichern: 3 Werte" in summary.text
    assert "Quartale: Q4 2025" in summary.text
    await anton.press(summary, SAVE)
    assert (await anton.next_message()).text.startswith("✅ 3 Werte gespeichert")
    assert await stored(bot) == [
        ("infos-mehrsprachig", "mgh", "2025-Q4", 1.0),
        ("kita-plaetze", "awo", "2025-10", 7.0),
        ("wartezeit-beratung", "caritas", "2025-10", 3.5),
    ]


async def test_a_file_with_problems_names_row_and_column_and_offers_nothing_to_save(
    bot: RunningBot,
) -> None:
    await example(bot)
    clara = await coordinator(bot)
    broken = (
        HEADER + "kita-plaetze;awo;2025-12;12\r\n"
        "kita;awo;2025-12;12\r\n"
        "kita-plaetze;zz;2025-12;12\r\n"
        "kita-plaetze;awo;Dezember;12\r\n"
        "kita-plaetze;awo;2025-W50;12\r\n"
        "kita-plaetze;awo;2025-11;600\r\n"
        "kita-plaetze;awo;2025-10;\r\n"
    ).encode()
    answer = await send_file(clara, "kaputt.csv", broken)
    assert answer.text.split("\n\n") == [
        "📄 kaputt.csv: 7 Zeilen gelesen, 6 Probleme. Solange eines bleibt, speichere ich"
        " nichts aus dieser Datei. Bitte korrigieren Sie die Datei und schicken Sie sie noch"
        " einmal.",
        "• Zeile 3, Spalte „indicator“: Eine Kennzahl mit dem Code „kita“ gibt es nicht.\n"
        "• Zeile 4, Spalte „organisation“: Eine Organisation mit dem Code „zz“ gibt es nicht.\n"
        "• Zeile 5, Spalte „period“: „Dezember“ ist kein Zeitraum. So schreiben: 2026-11"
        " (Monat), 2026-W48 (Woche), 2026-Q4 (Quartal) oder 2026 (Jahr).\n"
        "• Zeile 6, Spalte „period“: „2025-W50“ passt nicht zu dieser Kennzahl: Sie wird in"
        " anderen Zeiträumen gemeldet (z. B. monatlich statt wöchentlich).\n"
        "• Zeile 7, Spalte „value“: „600“ ist größer als erlaubt (höchstens 500).\n"
        "• Zeile 8, Spalte „value“: Kein Wert. Tragen Sie einen ein – oder „ja“ in der Spalte"
        " not_applicable, wenn die Kennzahl nicht zutrifft.",
    ]
    assert answer.buttons == []
    assert await values(bot) == []


async def test_files_that_are_no_table_get_a_clear_answer_and_nothing_is_read(
    bot: RunningBot,
) -> None:
    await example(bot)
    clara = await coordinator(bot)
    old_excel = await send_file(clara, "werte.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel")
    assert old_excel.text.startswith("📄 „werte.xls“ kann ich nicht einlesen: Werte lese ich nur")
    assert "„CSV UTF-8“ oder als „Excel-Arbeitsmappe“" in old_excel.text
    assert bot.fake.calls_to("getFile") == []  # refused by its name, never downloaded
    # A document that is no spreadsheet at all is no file of values: the usual answer.
    pdf = await send_file(clara, "bericht.pdf", b"%PDF-1.4 ...", "application/pdf")
    assert pdf.text.startswith("Mit Dateien, Fotos oder Stickern kann ich hier nichts anfangen.")
    big = await send_file(clara, "gross.csv", HEADER.encode() + b"x" * (2 * 1024 * 1024))
    assert big.text.startswith("📄 Die Datei ist zu groß – ich lese höchstens 2 MB.")
    assert bot.fake.calls_to("getFile") == []
    fake_xlsx = await send_file(clara, "tabelle.xlsx", b"just text, no workbook")
    assert fake_xlsx.text.startswith("📄 Diese Datei kann ich nicht als Tabelle lesen")
    empty = await send_file(clara, "leer.csv", b"\r\n\r\n")
    assert empty.text == "📄 Die Datei ist leer. Nichts wurde gespeichert."
    columns = await send_file(clara, "spalten.csv", b"indicator;organisation;zeit;wert\r\n")
    assert "Zeile 1, Spalte „period“: Die Spalte fehlt in der Kopfzeile." in columns.text
    assert await values(bot) == []


async def test_partners_observers_and_strangers_are_told_what_they_can_do(
    bot: RunningBot,
) -> None:
    await example(bot)
    anna = await member(bot, "Anna Berger")
    otto = await member(bot, "Otto Observer", Role.OBSERVER, "buergerstiftung")
    mallory = bot.fake.user(first_name="Mallory")
    told = await send_file(anna, "werte.csv", GOOD)
    assert told.text.startswith("📄 Dateien mit Werten liest hier nur die Koordinierungsstelle")
    assert "/melden" in told.text
    assert told.buttons == []
    # A PDF is no file of values: the answer it always got.
    pdf = await send_file(anna, "bericht.pdf", b"%PDF-1.4", "application/pdf")
    assert pdf.text.startswith("Mit Dateien, Fotos oder Stickern kann ich hier nichts anfangen.")
    observed = await send_file(otto, "werte.csv", GOOD)
    assert observed.text.startswith("📄 Dateien mit Werten liest hier nur")
    assert "/melden" not in observed.text
    stranger = await send_file(mallory, "werte.csv", GOOD)
    assert stranger.text.startswith("Guten Tag! Über diesen Bot arbeiten")
    assert bot.fake.calls_to("getFile") == []  # nothing was read
    assert await values(bot) == []


async def test_a_second_press_an_older_summary_and_cancel_write_nothing_twice(
    bot: RunningBot,
) -> None:
    await example(bot)
    clara = await coordinator(bot)
    older = await send_file(clara, "a.csv", GOOD)
    newer_content = HEADER.encode() + b"kita-plaetze;awo;2025-09;3\r\n"
    newer = await send_file(clara, "b.csv", newer_content)
    answer = await clara.callback_answer(await clara.press(older, SAVE))
    assert answer["show_alert"]
    assert answer["text"].startswith("Diese Übersicht gilt nicht mehr")
    assert await values(bot) == []

    save_data = newer.button_data(SAVE)
    assert save_data is not None
    query = await clara.press(newer, SAVE)
    assert (await clara.next_message()).text.startswith("✅ 1 Wert gespeichert")
    await clara.callback_answer(query)
    # A double tap: the second press arrives after the first was handled.
    second = await clara.callback_answer(await clara.press_data(newer, save_data))
    assert second["text"].startswith("Diese Übersicht gilt nicht mehr")
    assert len(await values(bot)) == 1
    assert len(await audit_entries(bot)) == 1

    cancelled = await send_file(clara, "a.csv", GOOD)
    save_data = cancelled.button_data(SAVE)
    assert save_data is not None
    await clara.press(cancelled, CANCEL)
    assert (await clara.next_message()).text == (
        "Abgebrochen – aus der Datei wurde nichts gespeichert."
    )
    late = await clara.callback_answer(await clara.press_data(cancelled, save_data))
    assert late["text"].startswith("Diese Übersicht gilt nicht mehr")
    assert len(await values(bot)) == 1


async def test_a_file_changed_since_the_summary_is_not_saved(bot: RunningBot) -> None:
    await example(bot)
    clara = await coordinator(bot)
    summary = await send_file(clara, "a.csv", GOOD)
    # What the file id names is not what was summed up (Telegram never does this; a draft
    # that points elsewhere would).
    (stored_file,) = [f for f in bot.fake.files.values() if f.file_name == "a.csv"]
    stored_file.content = GOOD.replace(b";12\r", b";120\r")
    answer = await clara.callback_answer(await clara.press(summary, SAVE))
    assert answer["text"].startswith("Die Datei ist nicht mehr dieselbe wie in der Übersicht.")
    assert await values(bot) == []


@pytest.mark.both_transports
async def test_a_summary_can_be_confirmed_after_a_restart(bot: RunningBot) -> None:
    await example(bot)
    clara = await coordinator(bot)
    summary = await send_file(clara, "altdaten.csv", GOOD)
    await clara.send("/hilfe")  # a barrier: the update of the file is stored
    await clara.next_message()
    await bot.restart()
    await clara.press(summary, SAVE)
    assert (await clara.next_message()).text.startswith("✅ 5 Werte gespeichert")
    assert len(await stored(bot)) == 5


async def test_a_file_sent_during_another_conversation_is_read_and_that_one_goes_on(
    bot: RunningBot,
) -> None:
    await example(bot)
    clara = await coordinator(bot)
    await member(bot, "Anna Berger")  # someone to broadcast to
    await clara.send("/rundruf")
    audience = await clara.next_message()
    asks = await clara.press_and_read(audience, audience.buttons[0][0])  # everyone
    assert asks.startswith("Schreiben Sie jetzt den Text des Rundrufs")
    summary = await send_file(clara, "altdaten.csv", GOOD)
    assert summary.text.startswith("📄 altdaten.csv: 5 Zeilen gelesen.")
    # The broadcast still waits for its text, and gets it.
    await clara.send("Am Freitag ist das Büro geschlossen.")
    asks_ack = await clara.next_message()
    assert asks_ack.text.startswith("Sollen die Empfänger*innen kurz bestätigen")
    await clara.press(summary, SAVE)
    assert (await clara.next_message()).text.startswith("✅ 5 Werte gespeichert")


async def test_a_big_file_is_summed_up_in_one_message_that_fits(bot: RunningBot) -> None:
    await example(bot)
    clara = await coordinator(bot)
    months = [f"{year}-{month:02d}" for year in range(2000, 2025) for month in range(1, 13)]
    organisations = ["awo", "caritas", "stadt", "ev-kirche", "mgh", "sv-nordstadt"]
    rows = [
        f"kita-plaetze;{organisation};{month};{index % 400}"
        for index, (organisation, month) in enumerate((o, m) for o in organisations for m in months)
    ][:5000]
    good = (HEADER + "\r\n".join(rows) + "\r\n").encode()
    summary = await send_file(clara, "25-jahre.csv", good)
    assert len(summary.text) <= 4096
    assert f"Zu speichern: {len(rows):,} Werte".replace(",", ".") in summary.text
    assert "Monate: Januar 2000 bis" in summary.text
    assert summary.buttons == [[SAVE, CANCEL]]

    broken = (
        HEADER + "\r\n".join(f"kita-{n};awo;2025-13;x" for n in range(5000)) + "\r\n"
    ).encode()
    answer = await send_file(clara, "kaputt.csv", broken)
    assert len(answer.text) <= 4096
    assert "5.000 Zeilen gelesen, 10.000 Probleme" in answer.text
    assert answer.text.rstrip().endswith(
        "weitere Probleme. Korrigieren Sie die genannten, dann zeige ich die übrigen."
    )
    assert answer.buttons == []
    async with bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(IndicatorValue)) == 0


async def test_help_tells_coordinators_they_can_send_a_file(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    await clara.send("/hilfe")
    assert "Schicken Sie mir eine CSV- oder Excel-Datei" in (await clara.next_message()).text
    await anna.send("/hilfe")
    assert "Excel-Datei" not in (await anna.next_message()).text


async def test_an_english_coordinator_reads_english_numbers_and_gets_english_answers(
    bot: RunningBot,
) -> None:
    await example(bot)
    chris = await member(bot, "Chris Carter", Role.COORDINATOR, "koordination", language="en")
    content = b"indicator,organisation,period,value\r\nwartezeit-beratung,caritas,2025-12,2.5\r\n"
    summary = await send_file(chris, "old.csv", content)
    assert summary.text.startswith("📄 old.csv: 1 row read.\nTo save: 1 value ·")
    assert summary.buttons == [["✅ Save", "✖️ Cancel"]]
    await chris.press(summary, "✅ Save")
    assert (await chris.next_message()).text.startswith("✅ 1 value saved")
    assert await stored(bot) == [("wartezeit-beratung", "caritas", "2025-12", 2.5)]
