"""Numbers, dates and message splitting as readers get them."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.formatting import format_date, format_number, format_value, split_message


def test_numbers_and_dates_per_language() -> None:
    assert format_number(1234.5, "de") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_date(date(2026, 11, 27), "de") == "27.11.2026"
    assert format_date(date(2026, 11, 27), "en") == "27 Nov 2026"
    assert format_value(85, "percent", "", "de") == "85 %"
    assert format_value(3.5, "scale", "", "en") == "3.5 of 5"
    assert format_value(500, "integer", "Plätze", "de") == "500 Plätze"


@given(
    st.lists(st.text(alphabet=st.sampled_from("ab \n<>"), max_size=300), min_size=1, max_size=40),
    st.integers(min_value=20, max_value=200),
)
def test_split_messages_keep_every_character_and_stay_under_the_limit(
    paragraphs: list[str], limit: int
) -> None:
    text = "\n\n".join(paragraphs)
    parts = split_message(text, limit)
    assert all(len(part) <= limit for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_paragraphs_stay_whole_when_they_fit() -> None:
    text = "\n\n".join(["a" * 60, "b" * 60, "c" * 60])
    assert split_message(text, 130) == ["a" * 60 + "\n\n" + "b" * 60, "c" * 60]
