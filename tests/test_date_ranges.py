"""Periods typed for /export: the ways people write them, and anything else refused with a
translated error, never a crash."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.errors import DomainError
from bot.services.export.date_ranges import parse_range

TODAY = date(2026, 11, 28)
HALF_YEAR = (date(2026, 1, 1), date(2026, 6, 30))


@pytest.mark.parametrize(
    "typed",
    [
        "01.01.2026 – 30.06.2026",
        "01.01.2026 - 30.06.2026",
        "01.01.2026-30.06.2026",
        "1.1.26 bis 30.6.26",
        "1.1.-30.6.",
        "2026-01-01 to 2026-06-30",
        "2026-01-01 - 2026-06-30",
        "2026-01-01..2026-06-30",
        "1. Januar 2026 bis 30. Juni 2026",
        "Jan 1 2026 to Jun 30 2026",
    ],
)
def test_the_ways_a_period_is_written(typed: str) -> None:
    assert parse_range(typed, "de", TODAY) == HALF_YEAR


def test_years_far_back_are_fine_for_an_export() -> None:
    assert parse_range("01.01.2020 – 31.12.2020", "de", TODAY) == (
        date(2020, 1, 1),
        date(2020, 12, 31),
    )


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "export.bad_range"),
        ("01.01.2026", "export.bad_range"),
        ("irgendwann bis später", "export.bad_range"),
        ("31.02.2026 – 01.03.2026", "export.bad_range"),
        ("30.06.2026 – 01.01.2026", "export.range_backwards"),
        ("1.1.2026 – " + "9" * 200, "export.bad_range"),
    ],
)
def test_what_is_no_period_is_refused(typed: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_range(typed, "de", TODAY)
    assert refused.value.key == code


@given(st.text(max_size=120))
def test_any_text_is_a_period_or_a_translated_refusal(typed: str) -> None:
    key = None
    try:
        since, until = parse_range(typed, "de", TODAY)
    except DomainError as refused:
        key = refused.key
    else:
        assert since <= until
    assert key in {None, "export.bad_range", "export.range_backwards"}
