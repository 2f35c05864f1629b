"""Export files as Excel opens them, and imports of what people send back (or by mistake)."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.services.table_files import Value, guard, sheet_name, unguard, write_csv, write_xlsx
from bot.services.table_reader import MAX_ROWS, Table, TableError, read_table

BERLIN = ZoneInfo("Europe/Berlin")
COLUMNS = ["indicator", "organisation", "value", "period", "note", "reported_at", "revision"]
ROWS: list[list[Value]] = [
    [
        "kita-plaetze",
        "Fröbel-Kita Süd",
        12.5,
        date(2026, 11, 27),
        "Straße gesperrt",
        datetime(2026, 11, 27, 13, 5, tzinfo=UTC),
        2,
    ],
    ["kita-plaetze", "Ev. Kirche", -3, None, "=SUM(A1)", None, True],
]


def lines(content: bytes) -> list[str]:
    return content.decode("utf-8-sig").split("\r\n")


def test_german_csv_opens_in_german_excel() -> None:
    content = write_csv(COLUMNS, ROWS, "de")
    assert content.startswith(codecs.BOM_UTF8)
    assert lines(content) == [
        "indicator;organisation;value;period;note;reported_at;revision",
        "kita-plaetze;Fröbel-Kita Süd;12,5;27.11.2026;Straße gesperrt;27.11.2026 14:05;2",
        "kita-plaetze;Ev. Kirche;-3;;'=SUM(A1);;ja",
        "",
    ]


def test_english_csv_uses_commas_points_and_iso_dates() -> None:
    content = write_csv(COLUMNS, ROWS, "en")
    assert content.startswith(codecs.BOM_UTF8)
    assert lines(content)[1:3] == [
        "kita-plaetze,Fröbel-Kita Süd,12.5,2026-11-27,Straße gesperrt,2026-11-27 14:05,2",
        "kita-plaetze,Ev. Kirche,-3,,'=SUM(A1),,yes",
    ]


def test_csv_times_are_local_to_the_given_zone() -> None:
    winter = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)
    assert lines(write_csv(["at"], [[winter]], "de"))[1] == "11.01.2026 00:30"
    assert lines(write_csv(["at"], [[winter]], "en", zone=ZoneInfo("UTC")))[1] == (
        "2026-01-10 23:30"
    )


@pytest.mark.parametrize(
    ("value", "german", "english"),
    [
        (1234567.25, "1234567,25", "1234567.25"),  # no thousands separators
        (500.0, "500", "500"),
        (1e20, "100000000000000000000", "100000000000000000000"),
        (1e-7, "0,0000001", "0.0000001"),
        (-0.0, "0", "0"),
        (Decimal("3.50"), "3,5", "3.5"),
        (False, "nein", "no"),
        (date(999, 1, 2), "02.01.0999", "0999-01-02"),
    ],
)
def test_csv_values(value: Value, german: str, english: str) -> None:
    assert lines(write_csv(["v"], [[value]], "de"))[1] == german
    assert lines(write_csv(["v"], [[value]], "en"))[1] == english


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (datetime(2026, 1, 1, 12, 0), ValueError),  # naive: which zone?
        (object(), TypeError),
    ],
)
def test_values_no_table_file_can_hold_are_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        write_csv(["v"], [[value]], "de")  # type: ignore[list-item]
    with pytest.raises(error):
        write_xlsx(["v"], [[value]], sheet_title="x")  # type: ignore[list-item]


def test_rows_must_fit_the_columns() -> None:
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        write_csv(["v"], [[1, 2]], "de")


@pytest.mark.parametrize(
    "text", ["=1+1", "+49 30 123", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "''-x", "'plain", "a"]
)
def test_guard_is_undone_exactly(text: str) -> None:
    guarded = guard(text)
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unguard(guarded) == text


def test_control_characters_are_dropped_but_line_breaks_stay() -> None:
    content = write_csv(["note"], [["a\x00b\x1fc\nd\te"]], "en")
    assert read_table(content, "x.csv").rows[0].cells["note"] == "abc\nd\te"


# Text a person could type into a note, plus everything that is special in CSV or Excel.
TEXTS = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(";,\"'\n\r\t=+-@ äöüßÄÖÜ€")),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    ),
    max_size=20,
)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
MOMENTS = st.datetimes(
    min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
ROW = st.tuples(TEXTS, st.integers(), FLOATS, DATES, MOMENTS, TEXTS)
ROUND_TRIP_COLUMNS = ["indicator", "note", "revision", "value", "period", "reported_at", "source"]


@given(st.lists(ROW, max_size=8), st.sampled_from(["de", "en"]))
def test_csv_round_trip(
    rows: list[tuple[str, int, float, date, datetime, str]], language: str
) -> None:
    written: list[list[Value]] = [["kita", *row] for row in rows]
    table = read_table(write_csv(ROUND_TRIP_COLUMNS, written, language), "export.csv")
    assert table.columns == ROUND_TRIP_COLUMNS
    assert [row.number for row in table.rows] == list(range(2, len(rows) + 2))
    date_format = "%d.%m.%Y" if language == "de" else "%Y-%m-%d"
    for row, (note, revision, value, period, reported_at, source) in zip(
        table.rows, rows, strict=True
    ):
        cells = row.cells
        assert cells["indicator"] == "kita"
        assert cells["note"] == (note or None)
        assert cells["source"] == (source or None)
        assert int(str(cells["revision"])) == revision
        number = str(cells["value"])
        assert "e" not in number.lower()
        assert float(number.replace(",", ".") if language == "de" else number) == value
        assert datetime.strptime(str(cells["period"]), date_format).date() == period
        local = reported_at.astimezone(BERLIN).replace(tzinfo=None, second=0, microsecond=0)
        assert datetime.strptime(str(cells["reported_at"]), f"{date_format} %H:%M") == local


def open_sheet(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def test_xlsx_has_real_numbers_dates_and_a_usable_layout() -> None:
    content = write_xlsx(COLUMNS, ROWS, sheet_title="Werte 2026/11 [Kitas] und noch mehr Text")
    sheet = open_sheet(content).worksheets[0]
    assert sheet.title == "Werte 2026-11 (Kitas) und noch"
    assert [cell.value for cell in sheet[1]] == COLUMNS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    value, period, reported_at = sheet["C2"], sheet["D2"], sheet["F2"]
    assert value.data_type == "n"
    assert value.value == 12.5
    assert sheet["C3"].value == -3
    assert period.is_date
    assert period.number_format == "DD.MM.YYYY"
    assert period.value == datetime(2026, 11, 27)
    assert reported_at.number_format == "DD.MM.YYYY HH:MM"
    assert reported_at.value == datetime(2026, 11, 27, 14, 5)  # Berlin wall time
    formula_text = sheet["E3"]
    assert formula_text.data_type == "s"
    assert formula_text.value == "=SUM(A1)"
    assert sheet.column_dimensions["B"].width == len("Fröbel-Kita Süd") + 2
    assert 8 <= sheet.column_dimensions["G"].width <= 50


def test_xlsx_round_trip_keeps_numbers_and_dates() -> None:
    table = read_table(write_xlsx(COLUMNS, ROWS, sheet_title="Werte"), "export.xlsx")
    assert table.columns == COLUMNS
    first, second = table.rows
    assert first.number == 2
    assert first.cells == {
        "indicator": "kita-plaetze",
        "organisation": "Fröbel-Kita Süd",
        "value": 12.5,
        "period": date(2026, 11, 27),
        "note": "Straße gesperrt",
        "reported_at": datetime(2026, 11, 27, 14, 5),
        "revision": 2,
    }
    assert second.cells["value"] == -3
    assert second.cells["note"] == "=SUM(A1)"
    assert second.cells["period"] is None


def test_xlsx_texts_stay_text_and_long_ones_fit_excel() -> None:
    content = write_xlsx(["note"], [["#N/A"], ["x" * 40_000], ["a\x01b"]], sheet_title="n")
    sheet = open_sheet(content).worksheets[0]
    assert [sheet[f"A{n}"].data_type for n in (2, 3, 4)] == ["s", "s", "s"]
    assert len(str(sheet["A3"].value)) == 32767
    assert sheet["A4"].value == "ab"
    assert sheet.column_dimensions["A"].width == 50


@pytest.mark.parametrize(
    ("title", "name"),
    [("Werte", "Werte"), ("a:b*c?d/e\\f", "a-b-c-d-e-f"), ("'x'", "x"), ("[]", "()"), ("", "Data")],
)
def test_sheet_names_excel_accepts(title: str, name: str) -> None:
    assert sheet_name(title) == name


def read(text: str, encoding: str = "utf-8", filename: str = "import.csv") -> Table:
    return read_table(text.encode(encoding), filename)


def cells(table: Table) -> list[dict[str, object]]:
    return [dict(row.cells) for row in table.rows]


def test_old_excel_csv_in_cp1252() -> None:
    table = read("Indicator; Organisation ;Value\r\nkita;Fröbel-Kita Süd;12,5\r\n", "cp1252")
    assert table.columns == ["indicator", "organisation", "value"]
    assert cells(table) == [
        {"indicator": "kita", "organisation": "Fröbel-Kita Süd", "value": "12,5"}
    ]


def test_tab_separated_and_utf16_from_excel_unicode_text() -> None:
    text = "indicator\tvalue\r\nkita\t1,5\r\n"
    assert cells(read(text, filename="x.txt")) == [{"indicator": "kita", "value": "1,5"}]
    assert cells(read(text, "utf-16")) == [{"indicator": "kita", "value": "1,5"}]


def test_delimiter_is_counted_outside_quotes() -> None:
    table = read('"value; in €",note\r\n"1,5",x\r\n')
    assert table.columns == ["value; in €", "note"]


def test_numbers_are_strings_in_csv_and_the_guard_is_removed() -> None:
    table = read("note;value\r\n'=1+1;-3\r\n'plain;4\r\n")
    assert cells(table) == [{"note": "=1+1", "value": "-3"}, {"note": "'plain", "value": "4"}]


def test_row_numbers_count_blank_and_multi_line_rows() -> None:
    text = '\r\nindicator;note\r\nkita;"two\r\nlines"\r\n;\r\n\r\nkita;x\r\nkita\r\n'
    table = read(text)
    assert [row.number for row in table.rows] == [3, 6, 7]
    assert table.rows[0].cells["note"] == "two\r\nlines"
    assert table.rows[2].cells == {"indicator": "kita", "note": None}


def test_xlsx_skips_empty_rows_and_keeps_excel_numbers() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"], sheet["B1"] = "Indicator", "value"
    sheet["A3"], sheet["B3"] = "kita", 7
    sheet["A4"] = ""
    sheet["A5"] = "   "
    sheet["B9"] = 1.5
    sheet["C20"].number_format = "0.00"  # formatted but empty: not a row
    output = io.BytesIO()
    workbook.save(output)
    table = read_table(output.getvalue(), "upload.xlsx")
    assert table.columns == ["indicator", "value"]
    assert [(row.number, row.cells) for row in table.rows] == [
        (3, {"indicator": "kita", "value": 7}),
        (9, {"indicator": None, "value": 1.5}),
    ]


def test_header_only_has_no_rows() -> None:
    assert read("indicator;value\r\n").rows == []
    assert read_table(write_xlsx(["indicator"], [], sheet_title="x"), "x.xlsx").rows == []


def error(content: bytes, filename: str = "import.csv") -> TableError:
    with pytest.raises(TableError) as caught:
        read_table(content, filename)
    return caught.value


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (PNG, "photo.csv", "not_a_table"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.pdf", "not_a_table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "not_a_table"),
        (b"PK\x03\x04 broken zip", "werte.xlsx", "not_a_table"),
        (b"indicator;value\r\n", "werte.xlsx", "not_a_table"),
        (b"", "empty.csv", "empty"),
        (b"\xef\xbb\xbf \r\n;;\r\n", "blank.csv", "empty"),
        (b"a;b\r\n\x81\x8d;1\r\n", "odd.csv", "bad_encoding"),
        (b"indicator;Value;value\r\n", "x.csv", "duplicate_column"),
        (b"x" * (5 * 1024 * 1024 + 1), "big.csv", "too_large"),
    ],
)
def test_files_that_are_no_table(content: bytes, filename: str, code: str) -> None:
    assert error(content, filename).code == code


def test_zip_that_is_no_workbook() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert error(output.getvalue(), "x.xlsx").code == "not_a_table"


def test_duplicate_column_names_the_column() -> None:
    caught = error(b"\r\nindicator;Value;value\r\n")
    assert (caught.code, caught.row, caught.column) == ("duplicate_column", 2, "value")
    assert str(caught) == "duplicate_column (row 2, column value)"


def test_cells_without_a_header_are_refused() -> None:
    # A German decimal comma in a comma-separated file splits the value in two.
    caught = error(b"indicator,value\r\nkita,12,5\r\n")
    assert (caught.code, caught.row, caught.column) == ("unnamed_cell", 2, "C")
    caught = error(b"indicator;;value\r\nkita;x;1\r\n")
    assert (caught.code, caught.row, caught.column) == ("unnamed_cell", 2, "B")
    # Empty unnamed columns are no problem.
    assert cells(read("indicator;;value;\r\nkita;;1;\r\n")) == [{"indicator": "kita", "value": "1"}]


def test_unclosed_quote_is_refused_but_excel_style_quotes_are_read() -> None:
    caught = error(b'indicator;note\r\nkita;ok\r\nkita;"never closed\r\nkita;x\r\n')
    assert (caught.code, caught.row) == ("not_a_table", 3)
    assert cells(read('indicator;note\r\nkita;"Kita" Süd\r\n')) == [
        {"indicator": "kita", "note": "Kita Süd"}
    ]


def test_too_many_rows() -> None:
    text = "indicator\r\n" + "kita\r\n" * MAX_ROWS
    assert len(read(text).rows) == MAX_ROWS
    caught = error((text + "kita\r\n").encode())
    assert (caught.code, caught.row) == ("too_large", MAX_ROWS + 2)


def test_too_many_columns() -> None:
    caught = error((";" * 100 + "x\r\n").encode())
    assert (caught.code, caught.column) == ("too_large", "CW")


def test_zip_bomb_is_refused_before_unpacking() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * (101 * 1024 * 1024))
    assert error(output.getvalue(), "bomb.xlsx").code == "too_large"


def test_xlsx_is_recognised_by_content_and_keeps_row_numbers_of_an_offset_table() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B3"], sheet["C3"] = "indicator", "period"
    sheet["B4"], sheet["C4"] = "kita", "2026-11"
    output = io.BytesIO()
    workbook.save(output)
    table = read_table(output.getvalue(), "renamed.csv")
    assert table.columns == ["indicator", "period"]
    assert [(row.number, row.cells) for row in table.rows] == [
        (4, {"indicator": "kita", "period": "2026-11"})
    ]
