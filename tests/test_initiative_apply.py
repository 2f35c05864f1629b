"""A running initiative starts sanely: `gwbot initiative apply` says, per organisation and in
the initiative's language, which reports are overdue at once (`--dry-run`: without writing
anything), and a start moved later removes the unreported obligations before it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from storage.engine import make_engine, make_sessionmaker
from storage.models import Indicator, IndicatorValue, Organisation
from tests.test_agenda import EXAMPLE

# Monday 7 December 2026, 10:00 in Berlin; the example initiative started on 1 January.
DECEMBER_7 = datetime(2026, 12, 7, 9, tzinfo=UTC)


def count(table: str) -> int:
    with sqlite3.connect("gwbot.db") as connection:
        return int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def apply(capsys: pytest.CaptureFixture[str], *arguments: str) -> list[str]:
    main(["initiative", "apply", *arguments])
    return capsys.readouterr().out.splitlines()


def test_apply_in_december_says_what_is_overdue_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.cli.initiative.utc_now", lambda: DECEMBER_7)
    english = variant(tmp_path, "en.toml", 'default_language = "de"', 'default_language = "en"')
    out = apply(capsys, str(english), "--dry-run")
    assert out[0] == f"{english}: dry run; applying it would change:"
    # Kita places January to November, weeks 1 to 48 (week 49 is due tomorrow), waiting
    # times January to November, two quarterly figures for Q1 to Q3; the yearly one is due
    # in 2027.
    assert "AWO Kreisverband Neustadt: 76 reports would be overdue at once" in out
    assert "Bürgerstiftung Neustadt: 3 reports would be overdue at once" in out
    assert "Koordinierungsstelle" not in "\n".join(out[7:])  # the backbone owes nothing
    assert out[-2:] == [
        "To waive earlier periods: gwbot periods waive --before 2026-12-01 (or in chat under"
        " /missing)",
        "Dry run: nothing was written.",
    ]
    assert count("organisations") == count("obligations") == count("initiative") == 0

    out = apply(capsys, str(EXAMPLE), "--dry-run")
    assert "AWO Kreisverband Neustadt: 76 Meldungen wären sofort überfällig" in out
    assert out[-1] == "Probelauf: Es wurde nichts geschrieben."
    assert count("organisations") == count("obligations") == 0

    out = apply(capsys, str(EXAMPLE))
    # The German file speaks German: what changed, as the office reads it.
    assert out[0] == f"{EXAMPLE}: angewendet."
    assert "AWO Kreisverband Neustadt: 76 Meldungen sind sofort überfällig" in out
    assert "Probelauf: Es wurde nichts geschrieben." not in out
    assert count("organisations") == 9 and count("obligations") == 403
    # Again: nothing new, nothing to say.
    assert apply(capsys, str(EXAMPLE)) == [f"{EXAMPLE}: angewendet; nichts hat sich geändert."]

    # The AWO reported its February places; then the start moves to 1 July.
    asyncio.run(report("awo", "kita-plaetze", "2026-02"))
    july = variant(tmp_path, "july.toml", "start = 2026-01-01", "start = 2026-07-01")
    out = apply(capsys, str(july), "--dry-run")
    assert (
        "AWO Kreisverband Neustadt: 41 offene Meldungen vor dem neuen Beginn würden entfernt" in out
    )
    assert out[-1] == "Probelauf: Es wurde nichts geschrieben."
    before = count("obligations")
    assert before == 403  # the dry run removed nothing
    assert apply(capsys, str(july))[1:] == [
        "  initiative: 1 geändert (Bündnis Frühe Chancen Neustadt)",
        # Places and waiting times January to June, weeks 1 to 26, Q1 and Q2 of two
        # quarterly figures: 42, but the reported February places stay.
        "AWO Kreisverband Neustadt: 41 offene Meldungen vor dem neuen Beginn entfernt",
        "Bürgerstiftung Neustadt: 2 offene Meldungen vor dem neuen Beginn entfernt",
        "Caritasverband Neustadt e. V.: 42 offene Meldungen vor dem neuen Beginn entfernt",
        "Ev.-luth. Kirchengemeinde St. Marien: 36 offene Meldungen vor dem neuen Beginn entfernt",
        "Mehrgenerationenhaus Neustadt e. V.: 30 offene Meldungen vor dem neuen Beginn entfernt",
        "SV Nordstadt 1921 e. V.: 28 offene Meldungen vor dem neuen Beginn entfernt",
        "Stadt Neustadt – Fachbereich Jugend, Familie und Bildung: 16 offene Meldungen vor dem"
        " neuen Beginn entfernt",
        "Stadtwerke Neustadt GmbH: 8 offene Meldungen vor dem neuen Beginn entfernt",
    ]
    assert count("obligations") == before - 203
    # The removed ones do not come back with the next look.
    assert apply(capsys, str(july)) == [f"{july}: angewendet; nichts hat sich geändert."]
    # Asked in English: English.
    assert apply(capsys, str(july), "--lang", "en") == [f"{july}: applied; nothing changed."]
    assert count("obligations") == before - 203


async def report(organisation: str, indicator: str, period: str) -> None:
    engine = make_engine("sqlite+aiosqlite:///gwbot.db")
    async with make_sessionmaker(engine).begin() as session:
        session.add(
            IndicatorValue(
                indicator_id=await session.scalar(
                    select(Indicator.id).where(Indicator.code == indicator)
                ),
                organisation_id=await session.scalar(
                    select(Organisation.id).where(Organisation.code == organisation)
                ),
                period=period,
                value=4,
                reported_at=DECEMBER_7,
            )
        )
    await engine.dispose()
