"""Periods: codes, calendar arithmetic, 53-week years, due times across DST and holidays, labels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.periods import (
    Frequency,
    Period,
    due_at,
    due_day,
    label,
    period_containing,
    periods_between,
    short_label,
)

BERLIN = ZoneInfo("Europe/Berlin")
BAVARIA = holiday_calendars.country_holidays("DE", subdiv="BY")
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
FREQUENCIES = st.sampled_from(list(Frequency))


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "frequency", "first", "last"),
    [
        ("2026-W48", Frequency.WEEKLY, date(2026, 11, 23), date(2026, 11, 29)),
        ("2026-W01", Frequency.WEEKLY, date(2025, 12, 29), date(2026, 1, 4)),
        ("2026-11", Frequency.MONTHLY, date(2026, 11, 1), date(2026, 11, 30)),
        ("2028-02", Frequency.MONTHLY, date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-Q4", Frequency.QUARTERLY, date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-Q1", Frequency.QUARTERLY, date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", Frequency.YEARLY, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_codes_name_their_days(code: str, frequency: Frequency, first: date, last: date) -> None:
    period = Period.parse(code)
    assert period.frequency is frequency
    assert (period.first_day, period.last_day) == (first, last)
    assert period.code == str(period) == code


@pytest.mark.parametrize(
    "code",
    [
        "2026-W54",
        "2025-W53",
        "2026-W00",
        "2026-W5",
        "2026-w48",
        "2026-13",
        "2026-00",
        "2026-1",
        "2026-Q5",
        "2026-Q0",
        "0000",
        "26",
        "2026-11 ",
        "2026/11",
        "",
        "２０２６",
        "November 2026",
    ],
)
def test_anything_but_a_canonical_existing_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is for people, not tests
        Period.parse(code)


def test_construction_checks_the_calendar_and_accepts_database_strings() -> None:
    assert Period("monthly", 2026, 11) == Period(Frequency.MONTHLY, 2026, 11)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no weekly period 53 in 2025"):
        Period(Frequency.WEEKLY, 2025, 53)
    with pytest.raises(ValueError):  # noqa: PT011
        Period("daily", 2026)  # type: ignore[arg-type]


def test_2026_has_53_iso_weeks_and_2025_has_52() -> None:
    week53 = Period.parse("2026-W53")
    assert (week53.first_day, week53.last_day) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week53.next() == Period.parse("2027-W01")
    assert Period.parse("2027-W01").first_day == date(2027, 1, 4)
    assert Period.parse("2025-W52").next() == Period.parse("2026-W01")
    assert Period.parse("2027-W01").previous() == week53
    assert period_containing(Frequency.WEEKLY, date(2027, 1, 1)) == week53
    assert period_containing("weekly", date(2025, 12, 31)).code == "2026-W01"


def test_next_and_previous_cross_year_ends() -> None:
    assert Period.parse("2026-12").next() == Period.parse("2027-01")
    assert Period.parse("2027-Q1").previous() == Period.parse("2026-Q4")
    assert Period.parse("2026").next().code == "2027"


def test_periods_of_one_frequency_sort_in_time() -> None:
    codes = ["2027-01", "2026-02", "2026-11", "2026-10"]
    assert [p.code for p in sorted(map(Period.parse, codes))] == [
        "2026-02",
        "2026-10",
        "2026-11",
        "2027-01",
    ]


@given(FREQUENCIES, DAYS)
def test_the_containing_period_holds_the_day_and_its_code_round_trips(
    frequency: Frequency, day: date
) -> None:
    period = period_containing(frequency, day)
    assert period.first_day <= day <= period.last_day
    assert Period.parse(period.code) == period
    assert period.next().first_day == period.last_day + timedelta(days=1)
    assert period.next().previous() == period
    assert period.previous() < period < period.next()
    assert label(period, "de") and label(period, "en")


def test_periods_between_covers_partial_periods_at_both_ends() -> None:
    months = periods_between(Frequency.MONTHLY, date(2026, 1, 15), date(2026, 4, 2))
    assert [p.code for p in months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    weeks = periods_between("weekly", date(2026, 12, 27), date(2027, 1, 4))
    assert [p.code for p in weeks] == ["2026-W52", "2026-W53", "2027-W01"]
    quarters = periods_between(Frequency.QUARTERLY, date(2026, 1, 1), date(2026, 12, 31))
    assert [p.code for p in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [p.code for p in periods_between("yearly", date(2026, 5, 5), date(2026, 5, 5))] == [
        "2026"
    ]
    assert periods_between(Frequency.MONTHLY, date(2026, 5, 1), date(2026, 4, 30)) == []


@given(FREQUENCIES, DAYS, st.integers(min_value=0, max_value=800))
def test_periods_between_are_consecutive_and_cover_the_span(
    frequency: Frequency, start: date, length: int
) -> None:
    end = start + timedelta(days=length)
    periods = periods_between(frequency, start, end)
    assert periods[0].first_day <= start <= periods[0].last_day
    assert periods[-1].first_day <= end <= periods[-1].last_day
    assert all(a.next() == b for a, b in pairwise(periods))


def test_due_is_the_end_of_the_local_day_after_period_end_plus_due_days() -> None:
    # DIALOGUES: November 2026 with 5 due days is "fällig 05.12.".
    november = Period.parse("2026-11")
    assert due_day(november, 5) == date(2026, 12, 5)
    assert due_at(november, 5, BERLIN) == utc(2026, 12, 5, 23, 0)
    assert due_at(Period.parse("2026-07"), 0, BERLIN) == utc(2026, 7, 31, 22, 0)
    assert due_at(november, 5, BERLIN).tzinfo is UTC


def test_due_times_stay_at_local_midnight_across_daylight_saving() -> None:
    # Clocks go back on 25 October 2026: that day has 25 hours and ends at 23:00 UTC.
    assert due_at(Period.parse("2026-W43"), 0, BERLIN) == utc(2026, 10, 25, 23, 0)
    assert due_at(Period.parse("2026-09"), 25, BERLIN) == utc(2026, 10, 25, 23, 0)
    # Clocks go forward on 29 March 2026: that day has 23 hours and ends at 22:00 UTC.
    assert due_at(Period.parse("2026-W13"), 0, BERLIN) == utc(2026, 3, 29, 22, 0)
    assert due_at(Period.parse("2026-02"), 29, BERLIN) == utc(2026, 3, 29, 22, 0)


def test_a_midnight_the_clock_skips_ends_the_day_at_the_change() -> None:
    # Chile moves from 00:00 to 01:00 on 6 September 2026: Saturday ends at 04:00 UTC.
    santiago = ZoneInfo("America/Santiago")
    assert due_at(Period.parse("2026-08"), 5, santiago) == utc(2026, 9, 6, 4, 0)


def test_due_days_move_past_public_holidays_but_not_weekends() -> None:
    # 30 November + 25 days = Christmas Day; Boxing Day is a holiday too; Sunday 27th is not.
    assert due_day(Period.parse("2026-11"), 25, BAVARIA) == date(2026, 12, 27)
    assert due_at(Period.parse("2026-11"), 25, BERLIN, BAVARIA) == utc(2026, 12, 27, 23, 0)
    # New Year's Day 2027 moves to Saturday 2 January.
    assert due_at(Period.parse("2026-Q4"), 1, BERLIN, BAVARIA) == utc(2027, 1, 2, 23, 0)
    # New Year's Eve is no public holiday; Epiphany is one in Bavaria.
    assert due_day(Period.parse("2026-12"), 0, BAVARIA) == date(2026, 12, 31)
    assert due_day(Period.parse("2026"), 6, BAVARIA) == date(2027, 1, 7)
    assert due_day(Period.parse("2026"), 6, None) == date(2027, 1, 6)


def test_a_calendar_without_working_days_fails_instead_of_hanging() -> None:
    class EveryDay:
        def __contains__(self, item: object) -> bool:
            return True

    with pytest.raises(ValueError, match="no working day"):
        due_at(Period.parse("2026-11"), 0, BERLIN, EveryDay())


@pytest.mark.parametrize(
    ("code", "german", "english"),
    [
        ("2026-11", "November 2026", "November 2026"),
        ("2026-03", "März 2026", "March 2026"),
        ("2026-W48", "KW 48/2026", "Week 48, 2026"),
        ("2026-W05", "KW 5/2026", "Week 5, 2026"),
        ("2026-Q4", "Q4 2026", "Q4 2026"),
        ("2026", "2026", "2026"),
    ],
)
def test_labels_in_both_languages(code: str, german: str, english: str) -> None:
    period = Period.parse(code)
    assert label(period, "de") == german
    assert label(period, "en") == english


@pytest.mark.parametrize(
    ("code", "german", "english"),
    [
        ("2026-11", "Nov 2026", "Nov 2026"),
        ("2026-09", "Sept 2026", "Sep 2026"),
        ("2026-05", "Mai 2026", "May 2026"),
        ("2026-Q4", "Q4 2026", "Q4 2026"),
        ("2026-W48", "KW 48/2026", "Week 48, 2026"),
    ],
)
def test_short_labels_for_buttons(code: str, german: str, english: str) -> None:
    period = Period.parse(code)
    assert short_label(period, "de") == german
    assert short_label(period, "en") == english


def test_unknown_languages_read_english_labels() -> None:
    assert label(Period.parse("2026-11"), "xx") == "November 2026"
