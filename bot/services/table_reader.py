"""Imports: the rows of an uploaded CSV or XLSX file, as a person sees them in Excel.

Reading knows files, not meanings: CSV cells stay text (the caller reads numbers the way the
member's language writes them), XLSX cells are what Excel stored (numbers, dates, text). Rows
carry the number Excel shows next to them, so problems can be reported as "row 7".

Uploads are hostile until read: size, rows, columns and unpacked size are bounded before they
cost memory, and anything that is not a table is refused with a code the caller translates.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, cast

from openpyxl import load_workbook
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from bot.services.table_files import unguard

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
# Tables have a dozen columns; the bound keeps a forged sheet from padding every row to 16384.
MAX_COLUMNS = 100
# An XLSX is a zip: 5 MB can unpack to gigabytes (zip bomb). Real sheets compress about 10:1.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
DELIMITERS = (";", "\t", ",")  # on a tie the first wins: `;` is what German Excel writes
# Files people send by mistake; their bytes would otherwise decode as cp1252 "text".
BINARY_SIGNATURES = (b"\x89PNG", b"%PDF", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"{\\rtf")
ZIP_SIGNATURE = b"PK\x03\x04"

_QUOTED = re.compile(r'"[^"]*"')

# XLSX may also give bool (an int): Excel's TRUE/FALSE, as write_xlsx writes Python bools.
CellValue = str | float | int | date | datetime | None


class TableError(ValueError):
    """The file cannot be read as a table; `code` says why, `row`/`column` where.

    Codes: `not_a_table`, `empty`, `too_large`, `bad_encoding`, `duplicate_column` (`column` is
    the header name) and `unnamed_cell` (a value in a column without a header, or beyond the
    header's end, which usually means a decimal comma split a number in a `,` file; `column`
    is the letter, e.g. `D`).
    """

    def __init__(self, code: str, row: int | None = None, column: str | None = None) -> None:
        where = [f"row {row}"] if row is not None else []
        where += [f"column {column}"] if column is not None else []
        super().__init__(f"{code} ({', '.join(where)})" if where else code)
        self.code = code
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Row:
    """`number` is Excel's row number (the header is row 1 in a file without leading blanks).

    `cells` has every column of the table; an empty or missing cell is None.
    """

    number: int
    cells: dict[str, CellValue]


@dataclass(frozen=True)
class Table:
    """`columns` are the header's names, stripped and lower-cased, in file order."""

    columns: list[str]
    rows: list[Row] = field(default_factory=list)


def read_table(content: bytes, filename: str) -> Table:
    """The first sheet of an XLSX or a CSV file (`;`, `,` or tab; UTF-8, UTF-16 or cp1252).

    The content decides the format, the name only refuses a `.xlsx` that is no workbook. The
    header is the first non-empty row; empty rows are skipped but keep their numbers counted.
    """
    if len(content) > MAX_BYTES:
        raise TableError("too_large")
    if content.startswith(ZIP_SIGNATURE):
        return _read_xlsx(content)
    if filename.lower().endswith((".xlsx", ".xlsm")) or content.startswith(BINARY_SIGNATURES):
        raise TableError("not_a_table")
    return _read_csv(_decode(content))


def _decode(content: bytes) -> str:
    # Excel's "Unicode text" export is UTF-16 with a byte order mark.
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise TableError("bad_encoding") from None
    if b"\x00" in content:
        raise TableError("not_a_table")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Older Excel saves "CSV (Trennzeichen-getrennt)" in the Windows code page.
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise TableError("bad_encoding") from None


def _read_csv(text: str) -> Table:
    first_line = next((line for line in io.StringIO(text) if line.strip()), None)
    if first_line is None:
        raise TableError("empty")
    # Count outside quotes, so a header like `"Wert; in €"` does not vote for `;`.
    unquoted = _QUOTED.sub("", first_line)
    delimiter = max(DELIMITERS, key=unquoted.count)
    return _build(_csv_records(text, delimiter))


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[CellValue]]]:
    """Records numbered as Excel numbers them: a quoted line break stays inside its row.

    Excel forgives a quote in the middle of a cell (`"Kita" Süd`), so the lenient parser reads
    the file; the strict one runs first only to catch a quote that is never closed, which the
    lenient parser would silently stretch over every following row.
    """
    source = io.StringIO(text, newline="")
    records = 0
    try:
        for _ in csv.reader(source, delimiter=delimiter, strict=True):
            records += 1
    except csv.Error as error:
        # CPython's words for a quoted cell still open at the end of the file.
        if "unexpected end of data" in str(error):
            raise TableError("not_a_table", records + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            yield number, [unguard(cell) if cell else None for cell in record]
    except csv.Error:
        # The only error left in lenient mode: a cell over csv's field size limit (128 KiB).
        raise TableError("too_large", number + 1) from None


def _read_xlsx(content: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError("not_a_table") from None
    # Checked before openpyxl unpacks anything: it reads shared strings whole when opening.
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError("too_large")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (validation, styles); reading is unaffected.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        # A broken or foreign zip (an .ods, a .docx) fails anywhere inside openpyxl.
        raise TableError("not_a_table") from None
    try:
        return _build(_xlsx_records(workbook))
    finally:
        workbook.close()


class _ReadOnlySheet(Protocol):
    """What is read of a sheet opened read-only: openpyxl's ReadOnlyWorksheet, whose module is
    private (its cells have `value` and `number_format`)."""

    def reset_dimensions(self) -> None: ...

    def iter_rows(self, min_row: int, min_col: int, max_col: int) -> Iterator[tuple[Any, ...]]: ...


def _xlsx_records(workbook: Workbook) -> Iterator[tuple[int, list[CellValue]]]:
    if not workbook.worksheets:
        return
    # A workbook opened read-only has read-only sheets.
    sheet = cast(_ReadOnlySheet, workbook.worksheets[0])
    # The stored dimension may be wrong (some writers never update it): read what is there.
    sheet.reset_dimensions()
    # Missing rows come as empty ones, so counting from 1 gives Excel's row numbers.
    rows = sheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS + 1)
    number = 0
    try:
        for number, cells in enumerate(rows, start=1):
            yield number, [_xlsx_value(cell.value, cell.number_format) for cell in cells]
    except Exception:
        # Sheets are parsed while iterating, so a corrupt one fails here, not when opened.
        raise TableError("not_a_table", number + 1) from None


def _xlsx_value(value: object, number_format: str | None) -> CellValue:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        # Excel has only datetimes; a date format says the time is no part of the value.
        # openpyxl only recognises lower-case codes; Excel writes either case.
        kind = is_datetime((number_format or "").lower())
        return value.date() if kind == "date" else value
    if isinstance(value, time | timedelta):
        return str(value)
    if isinstance(value, str | int | float | date):
        return value
    return str(value)


def _build(records: Iterable[tuple[int, list[CellValue]]]) -> Table:
    """Header, rows and the limits, the same for both formats."""
    columns: list[str] | None = None
    rows: list[Row] = []
    for number, values in records:
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
            continue
        _check_columns(values, number)
        if columns is None:
            columns = _header(values, number)
            continue
        if len(rows) == MAX_ROWS:
            raise TableError("too_large", number)
        rows.append(Row(number, _cells(columns, values, number)))
    if columns is None:
        raise TableError("empty")
    return Table([name for name in columns if name], rows)


def _check_columns(values: list[CellValue], number: int) -> None:
    for index in range(MAX_COLUMNS, len(values)):
        if values[index] is not None:
            raise TableError("too_large", number, get_column_letter(index + 1))


def _header(values: list[CellValue], number: int) -> list[str]:
    columns = ["" if value is None else str(value).strip().lower() for value in values]
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise TableError("duplicate_column", number, name)
        if name:
            seen.add(name)
    return columns


def _cells(columns: list[str], values: list[CellValue], number: int) -> dict[str, CellValue]:
    cells: dict[str, CellValue] = {name: None for name in columns if name}
    for index, value in enumerate(values):
        if value is None:
            continue
        name = columns[index] if index < len(columns) else ""
        if not name:
            if isinstance(value, str) and not value.strip():
                continue
            raise TableError("unnamed_cell", number, get_column_letter(index + 1))
        cells[name] = value
    return cells
