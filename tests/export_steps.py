"""/export in chat as a coordinator would use it: what, CSV, this year; the file read back."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

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
