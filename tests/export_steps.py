"""Exports as people use them: /export in chat (what, CSV, this year; the file read back) and
`gwbot export` pointed at the test's database."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest

from bot.config import DatabaseSettings
from tests.fake_telegram import BotMessage, FakeUser

MENU = [
    ["Gemeldete Kennzahlen-Werte"],
    ["Aktivitäten der Partner"],
    ["Anliegen (Frühwarnkanal)"],
    ["Stimmungsbilder (anonyme Umfragen)"],
]


@dataclass(frozen=True)
class Exported:
    done: str  # what the bot said when the file was ready
    document: BotMessage
    text: str  # the file's content
    table: list[list[str]]  # the CSV's rows, header first


async def export_this_year_as_csv(user: FakeUser, what: str) -> Exported:
    await user.send("/export")
    menu = await user.next_message()
    assert menu.buttons == MENU
    await user.press_and_read(menu, what)
    await user.press_and_read(menu, "CSV (für Excel und andere)")
    done = await user.press_and_read(menu, "Dieses Jahr")
    document = await user.next_message()
    assert document.content is not None
    text = document.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return Exported(done, document, text, table)


def point_cli_at(monkeypatch: pytest.MonkeyPatch, database: DatabaseSettings) -> None:
    """`gwbot` commands run in the test read the test's database."""
    monkeypatch.setenv("GWBOT_DATABASE__URL", database.url)
    if database.schema_name:
        monkeypatch.setenv("GWBOT_DATABASE__SCHEMA", database.schema_name)
