"""Reading typed values: both languages' habits, ambiguity, kinds, and hostile input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from bot.services.report.number_reader import (
    MAX_LENGTH,
    Ambiguous,
    Kind,
    Read,
    Reason,
    Rejected,
    Spec,
    read_value,
    validate,
)

INTEGER = Spec(Kind.INTEGER)
DECIMAL = Spec(Kind.DECIMAL)
PERCENT = Spec(Kind.PERCENT)
BOOLEAN = Spec(Kind.BOOLEAN)
SCALE = Spec(Kind.SCALE)
PLACES = Spec(Kind.INTEGER, min_value=0, max_value=5000)
SMALL = Spec(Kind.DECIMAL, min_value=0, max_value=10)
LANGUAGES = st.sampled_from(["de", "en"])
SPECS = st.sampled_from([INTEGER, DECIMAL, PERCENT, BOOLEAN, SCALE, PLACES, SMALL])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1.234", 1234),
        ("1.234,5", 1234.5),
        ("1 234", 1234),
        ("1\u00a0234", 1234),
        ("1\u202f234,75", 1234.75),
        ("1.234.567", 1234567),
        ("1234,5", 1234.5),
        ("0.234", 0.234),
        ("1,234", 1.234),
        ("1,234.5", 1234.5),  # both marks: the last one is the decimal mark
        ("1,234,567", 1234567),  # a repeated mark cannot be a decimal mark
        ("  12 ", 12),
        ("+12", 12),
        ("-12,5", -12.5),
        ("\u221212", -12),  # the typographic minus sign
        ("-0", 0),
        ("007", 7),
    ],
)
def test_german(text: str, value: float) -> None:
    assert read_value(text, DECIMAL, "de") == Read(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("1,234", 1234),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567),
        ("1 234", 1234),
        ("1.234", 1.234),
        ("1.234,5", 1234.5),
        ("0,234", 0.234),
        ("-3", -3),
    ],
)
def test_english(text: str, value: float) -> None:
    assert read_value(text, DECIMAL, "en") == Read(value)


def test_negative_zero_reads_as_zero() -> None:
    result = read_value("-0", DECIMAL, "de")
    assert isinstance(result, Read)
    assert str(result.value) == "0.0"


def test_when_the_languages_reading_does_not_fit_but_the_other_does_the_bot_asks() -> None:
    assert read_value("1,234", SMALL, "en") == Ambiguous((1234.0, 1.234))
    assert read_value("1.234", SMALL, "de") == Ambiguous((1234.0, 1.234))
    assert read_value("1.234 %", PERCENT, "de") == Ambiguous((1234.0, 1.234))


def test_when_the_languages_reading_fits_it_wins() -> None:
    assert read_value("1,234", DECIMAL, "en") == Read(1234)
    assert read_value("1.234", DECIMAL, "de") == Read(1234)
    # A decimal reading that does not fit the type (an integer) is no second reading.
    assert read_value("1.234", PLACES, "de") == Read(1234)
    assert read_value("1,234", PLACES, "en") == Read(1234)


def test_when_neither_reading_fits_the_languages_reason_is_given() -> None:
    assert read_value("1.234", Spec(Kind.INTEGER, max_value=1000), "de") == Rejected(
        Reason.ABOVE_MAX
    )
    assert read_value("1,234", Spec(Kind.DECIMAL, min_value=2, max_value=10), "en") == Rejected(
        Reason.ABOVE_MAX
    )


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("85", "de", 85),
        ("85 %", "de", 85),
        ("85%", "de", 85),
        ("85,5 %", "de", 85.5),
        ("85,5\u00a0%", "de", 85.5),
        ("85.5%", "en", 85.5),
        ("0 %", "en", 0),
        ("100%", "en", 100),
    ],
)
def test_percent(text: str, language: str, value: float) -> None:
    assert read_value(text, PERCENT, language) == Read(value)


def test_percent_stays_within_0_to_100() -> None:
    assert read_value("101 %", PERCENT, "de") == Rejected(Reason.ABOVE_MAX)
    assert read_value("-1%", PERCENT, "en") == Rejected(Reason.BELOW_MIN)
    assert read_value("%", PERCENT, "de") == Rejected(Reason.NOT_A_NUMBER)
    assert read_value("85 %", DECIMAL, "de") == Rejected(Reason.NOT_A_NUMBER)


@pytest.mark.parametrize(
    "text",
    [
        "zwölf",
        "twelve",
        "1e5",
        "1E5",
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "1_000",
        "0x10",
        "",
        "   ",
        "12,",
        ",5",
        "1..2",
        "1,,234",
        "1.2.3",
        "12 Plätze",
        "١٢",  # Arabic-Indic digits
        "１２",  # fullwidth digits
        "--5",
        "5-",
        "1.234.5",
        "1,234.567,8",
    ],
)
def test_what_is_no_number_is_rejected(text: str) -> None:
    for language in ("de", "en"):
        assert read_value(text, DECIMAL, language) == Rejected(Reason.NOT_A_NUMBER)


def test_integers_must_be_whole() -> None:
    assert read_value("12,5", INTEGER, "de") == Rejected(Reason.NOT_WHOLE)
    assert read_value("12.5", INTEGER, "en") == Rejected(Reason.NOT_WHOLE)
    assert read_value("12,0", INTEGER, "de") == Read(12)


def test_bounds() -> None:
    assert read_value("-1", PLACES, "de") == Rejected(Reason.BELOW_MIN)
    assert read_value("5.001", PLACES, "de") == Rejected(Reason.ABOVE_MAX)
    assert read_value("5000", PLACES, "de") == Read(5000)
    # Bounds are compared as the floats they are stored as.
    assert read_value("0,1", Spec(Kind.DECIMAL, min_value=0.1, max_value=0.1), "de") == Read(0.1)


def test_over_long_input_is_refused_unread() -> None:
    assert read_value("1" * (MAX_LENGTH + 1), INTEGER, "de") == Rejected(Reason.TOO_LONG)
    assert read_value("x" * 5000, BOOLEAN, "en") == Rejected(Reason.TOO_LONG)
    assert read_value(f"  {'1' * MAX_LENGTH}  ", INTEGER, "de") == Read(float("1" * MAX_LENGTH))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ja", 1),
        ("Ja!", 1),
        ("J", 1),
        ("yes", 1),
        ("Y", 1),
        ("nein", 0),
        ("NEIN.", 0),
        ("n", 0),
        ("No", 0),
        (" no ", 0),
    ],
)
def test_yes_and_no_in_either_language(text: str, value: float) -> None:
    assert read_value(text, BOOLEAN, "de") == Read(value)
    assert read_value(text, BOOLEAN, "en") == Read(value)


@pytest.mark.parametrize("text", ["vielleicht", "1", "0", "jein", "", "yess"])
def test_anything_else_is_no_answer_to_a_yes_no_question(text: str) -> None:
    assert read_value(text, BOOLEAN, "de") == Rejected(Reason.NOT_YES_NO)


def test_scale() -> None:
    for n in range(1, 6):
        assert read_value(str(n), SCALE, "de") == Read(n)
    for text in ("0", "6", "2,5", "-3", "drei", ""):
        assert read_value(text, SCALE, "en") == Rejected(Reason.NOT_ON_SCALE)


def test_validate_rechecks_button_values() -> None:
    assert validate(1.234, SMALL) == Read(1.234)
    assert validate(1234.0, SMALL) == Rejected(Reason.ABOVE_MAX)
    assert validate(float("nan"), DECIMAL) == Rejected(Reason.NOT_A_NUMBER)
    assert validate(float("inf"), DECIMAL) == Rejected(Reason.NOT_A_NUMBER)
    assert validate(1.0, BOOLEAN) == Read(1.0)
    assert validate(0.5, BOOLEAN) == Rejected(Reason.NOT_YES_NO)
    assert validate(4.0, SCALE) == Read(4.0)
    assert validate(3.5, SCALE) == Rejected(Reason.NOT_ON_SCALE)
    assert validate(2.5, INTEGER) == Rejected(Reason.NOT_WHOLE)


@given(st.integers(min_value=-(10**15), max_value=10**15), LANGUAGES)
def test_any_integer_as_babel_writes_it_reads_back(n: int, language: str) -> None:
    assert read_value(format_decimal(n, locale=language), INTEGER, language) == Read(n)


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    LANGUAGES,
)
def test_any_decimal_as_babel_writes_it_reads_back(number: Decimal, language: str) -> None:
    text = format_decimal(number, locale=language)
    assert read_value(text, DECIMAL, language) == Read(float(number))


@given(
    st.decimals(min_value=0, max_value=100, places=1, allow_nan=False),
    LANGUAGES,
    st.sampled_from(["", "%", " %", "\u00a0%"]),
)
def test_any_percentage_reads_back(number: Decimal, language: str, suffix: str) -> None:
    text = format_decimal(number, locale=language) + suffix
    assert read_value(text, PERCENT, language) == Read(float(number))


@given(
    # Babel's default precision cannot format numbers beyond about 10**24.
    st.one_of(st.integers(min_value=-(10**20), max_value=-1), st.integers(5001, 10**20)),
    LANGUAGES,
)
def test_out_of_range_is_always_rejected(n: int, language: str) -> None:
    result = read_value(format_decimal(n, locale=language), PLACES, language)
    assert isinstance(result, Rejected)
    assert result.reason in (Reason.BELOW_MIN, Reason.ABOVE_MAX)


NUMBERISH = st.from_regex(r"[-+\u2212 ]?[0-9.,\u00a0\u202f %a-z]{0,30}", fullmatch=True)


@given(st.one_of(st.text(max_size=80), NUMBERISH), SPECS, LANGUAGES)
def test_no_text_makes_it_raise_and_every_result_fits_the_spec(
    text: str, spec: Spec, language: str
) -> None:
    result = read_value(text, spec, language)
    assert isinstance(result, Read | Ambiguous | Rejected)
    if isinstance(result, Read):
        assert validate(result.value, spec) == result
    if isinstance(result, Ambiguous):
        first, second = result.readings
        assert isinstance(validate(first, spec), Rejected)
        assert validate(second, spec) == Read(second)


def test_whole_number_kinds_have_no_second_reading() -> None:
    # `19.000` is never 19 with three zero decimals when only whole numbers make sense.
    assert read_value("19.000", PLACES, "de") == Rejected(Reason.ABOVE_MAX)
    assert read_value("1,000", SCALE, "en") == Rejected(Reason.NOT_ON_SCALE)
    assert read_value("1.000", SMALL, "de") == Ambiguous((1000.0, 1.0))
