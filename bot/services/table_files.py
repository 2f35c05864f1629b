"""Exports as files people open in Excel: CSV and XLSX, no database and no Telegram here.

A table is a list of stable English column codes and rows of plain values. The header row holds
the codes exactly, so an exported file can be edited and imported again (`table_reader`).

CSV is what German Excel opens with a double click: UTF-8 with BOM (without it Excel reads
cp1252 and mangles umlauts), `;` between cells (German Excel splits at `;`, because `,` is its
decimal mark), `\\r\\n` line ends. Numbers never get thousands separators, so they read back
unambiguously. Dates are written so that the language's Excel recognises them as dates.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

BERLIN = ZoneInfo("Europe/Berlin")
# Text starting with these is run as a formula by Excel or LibreOffice (CSV/formula injection,
# OWASP). Writers put an apostrophe in front; `table_reader` removes it again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
DELIMITERS = {"de": ";", "en": ","}
# str.format, not strftime: the C library's %Y drops leading zeros of years before 1000.
DATE_FORMATS = {
    "de": "{0.day:02}.{0.month:02}.{0.year:04}",
    "en": "{0.year:04}-{0.month:02}-{0.day:02}",
}
TIME_FORMAT = " {0.hour:02}:{0.minute:02}"
BOOLEANS = {"de": ("ja", "nein"), "en": ("yes", "no")}
XLSX_DATE_FORMAT = "DD.MM.YYYY"
XLSX_DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
# Excel refuses longer cell texts ("repair" dialog) and sheet names.
XLSX_TEXT_LIMIT = 32767
SHEET_TITLE_LIMIT = 31
# Column widths in characters: wide enough for a date, narrow enough to see several columns.
MIN_WIDTH, MAX_WIDTH = 8, 50

# Control characters are invalid in XLSX's XML and meaningless in a cell; tab and line breaks stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel refuses these in sheet names; brackets become parentheses, the rest a dash.
_SHEET_TITLE = str.maketrans(
    {"[": "(", "]": ")"} | dict.fromkeys(":*?/\\", "-") | dict.fromkeys("\t\r\n", " ")
)

Value = str | int | float | Decimal | date | datetime | bool | None


def guard(text: str) -> str:
    """Prefix text Excel would run as a formula; also text that would look guarded already.

    `'=x` gets a second apostrophe, so `unguard` can always remove exactly one and every text
    reads back as it was written.
    """
    return GUARD + text if text.lstrip(GUARD).startswith(FORMULA_STARTS) else text


def unguard(text: str) -> str:
    """Undo `guard`: drop one apostrophe when what follows the apostrophes starts a formula."""
    guarded = text.startswith(GUARD) and text.lstrip(GUARD).startswith(FORMULA_STARTS)
    return text[1:] if guarded else text


def write_csv(
    columns: Sequence[str],
    rows: Iterable[Sequence[Value]],
    language: str,
    zone: ZoneInfo = BERLIN,
) -> bytes:
    """The table as CSV for `language`'s Excel (`de`; anything else gets the English layout).

    German: `;`, `12,5`, `27.11.2026`, `27.11.2026 14:05`, `ja`/`nein`. English: `,`, `12.5`,
    `2026-11-27`, `2026-11-27 14:05`, `yes`/`no`. Times are local to `zone`; None is an empty
    cell. Text that Excel would run as a formula gets a leading apostrophe (see `guard`).
    """
    language = "de" if language == "de" else "en"
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=DELIMITERS[language], lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )
    writer.writerow([guard(_clean(column)) for column in columns])
    for row in rows:
        _check_width(row, columns)
        writer.writerow([_csv_cell(value, language, zone) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: Value, language: str, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = BOOLEANS[language]
        return yes if value else no
    if isinstance(value, int | float | Decimal):
        text = _plain_number(value)
        return text.replace(".", ",") if language == "de" else text
    if isinstance(value, datetime):
        return (DATE_FORMATS[language] + TIME_FORMAT).format(_local(value, zone))
    if isinstance(value, date):
        return DATE_FORMATS[language].format(value)
    if isinstance(value, str):
        return guard(_clean(value))
    raise TypeError(f"cannot write {type(value).__name__} to a table file")


def _plain_number(value: int | float | Decimal) -> str:
    """Digits and at most one `.`: no exponent, no grouping, no trailing zeros, no `-0`.

    `repr` is the shortest text that reads back as the same float; Decimal spells it without
    an exponent (1e20 has 21 digits, as Excel would show it).
    """
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} is no number a table file can hold")
    number = Decimal(repr(value)) if isinstance(value, float) else value
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Wall time in `zone`, naive; naive input is refused: its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment} has no time zone; table files need aware datetimes")
    return moment.astimezone(zone).replace(tzinfo=None)


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _check_width(row: Sequence[Value], columns: Sequence[str]) -> None:
    if len(row) != len(columns):
        raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns")


def write_xlsx(
    columns: Sequence[str],
    rows: Iterable[Sequence[Value]],
    *,
    sheet_title: str,
    zone: ZoneInfo = BERLIN,
) -> bytes:
    """The table as an Excel workbook: real numbers and dates, so people can sum and filter.

    The header is bold and frozen, the auto filter covers the table, columns are as wide as
    their content (capped). Dates show as `27.11.2026`, times as local `27.11.2026 14:05`.
    Text is always stored as text, never as a formula, even when it starts with `=`.
    """
    table = [list(row) for row in rows]
    for row in table:
        _check_width(row, columns)
    # Write-only mode streams rows to the file, but widths and filter must be set beforehand.
    workbook = Workbook(write_only=True)
    # A WriteOnlyWorksheet (from a private module): at run time it has what is used here of
    # Worksheet - column_dimensions and auto_filter it gets from it in `_setup`, freeze_panes
    # and append of its own.
    sheet = cast(Worksheet, workbook.create_sheet(title=sheet_name(sheet_title)))
    widths = [len(column) for column in columns]
    body = [[_xlsx_value(value, zone) for value in row] for row in table]
    for row in body:
        widths = [max(width, _width(value)) for width, value in zip(widths, row, strict=True)]
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(body) + 1}"
    bold = Font(bold=True)
    header = [_xlsx_cell(sheet, column) for column in columns]
    for cell in header:
        cell.font = bold
    sheet.append(header)
    for row in body:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


XlsxValue = str | int | float | Decimal | date | datetime | bool | None


def _xlsx_value(value: Value, zone: ZoneInfo) -> XlsxValue:
    """What the cell stores: Excel has no time zones, so times become naive local times."""
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise ValueError(f"{value} is no number a table file can hold")
    if isinstance(value, datetime):
        return _local(value, zone)
    if isinstance(value, str):
        return _clean(value)[:XLSX_TEXT_LIMIT]
    if value is None or isinstance(value, int | float | Decimal | date):
        return value
    raise TypeError(f"cannot write {type(value).__name__} to a table file")


def _xlsx_cell(sheet: Worksheet, value: XlsxValue) -> Cell:
    cell = WriteOnlyCell(sheet)
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = XLSX_DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = XLSX_DATE_FORMAT
    elif isinstance(value, str):
        # openpyxl turns `=...` into a formula and `#N/A` into an error; text stays text.
        cell.data_type = "s"
        # Tells Excel the cell is text, so editing it does not turn it into a formula either.
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
    return cell


def _width(value: XlsxValue) -> int:
    if isinstance(value, datetime):
        return len("27.11.2026 14:05")
    if isinstance(value, date):
        return len("27.11.2026")
    if value is None:
        return 0
    return max(len(line) for line in str(value).split("\n"))


def sheet_name(title: str) -> str:
    """A title Excel accepts: without `[]:*?/\\`, not quoted, at most 31 characters."""
    name = _clean(title).translate(_SHEET_TITLE).strip().strip("'")[:SHEET_TITLE_LIMIT]
    return name.strip().strip("'") or "Data"
