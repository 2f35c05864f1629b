"""Numbers and dates as readers get them (splitting messages: tests/test_message_fit.py)."""

from __future__ import annotations

from datetime import date

from bot.i18n.formatting import format_date, format_number, format_value


def test_numbers_and_dates_per_language() -> None:
    assert format_number(1234.5, "de") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_date(date(2026, 11, 27), "de") == "27.11.2026"
    assert format_date(date(2026, 11, 27), "en") == "27 Nov 2026"
    assert format_value(85, "percent", "", "de") == "85 %"
    assert format_value(3.5, "scale", "", "en") == "3.5 of 5"
    assert format_value(500, "integer", "Plätze", "de") == "500 Plätze"
