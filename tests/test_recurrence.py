"""Recurrence in local wall time: daylight saving, 53-week years, catch-up, validation, texts."""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import Translator
from bot.services.recurrence import (
    due_once,
    monthly_nth_weekday,
    next_fire,
    occurrences,
    rhythm_of,
    validate_rrule,
    weekly,
)
from handlers.reminders.texts import rhythm_text

BERLIN = ZoneInfo("Europe/Berlin")
STEERING = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9;BYMINUTE=0"
PULSE = "FREQ=MONTHLY;BYDAY=1MO;BYHOUR=10"
DIGEST = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14"
SUNDAY_0230 = "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=30"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_every_other_tuesday_stays_at_nine_local_across_daylight_saving() -> None:
    times = occurrences(STEERING, date(2026, 1, 13), BERLIN, utc(2026, 1, 1), utc(2027, 3, 1))
    assert times[0] == utc(2026, 1, 13, 8, 0)
    assert all(t.tzinfo is UTC for t in times)
    for t in times:
        wall = t.astimezone(BERLIN)
        assert (wall.weekday(), wall.hour, wall.minute) == (1, 9, 0)
        summer = date(2026, 3, 29) <= wall.date() < date(2026, 10, 25)
        assert t.hour == (7 if summer else 8)
    # Around both switches: the last winter and the first summer date, and back.
    assert utc(2026, 3, 24, 8, 0) in times
    assert utc(2026, 4, 7, 7, 0) in times
    assert utc(2026, 10, 20, 7, 0) in times
    assert utc(2026, 11, 3, 8, 0) in times


def test_every_other_tuesday_keeps_its_cadence_over_the_53_week_year() -> None:
    times = occurrences(STEERING, date(2026, 1, 13), BERLIN, utc(2026, 1, 1), utc(2027, 3, 1))
    days = [t.astimezone(BERLIN).date() for t in times]
    assert all(b - a == timedelta(days=14) for a, b in itertools.pairwise(days))
    assert len(days) == 30
    # Started in ISO week 3 (odd): 2026-W51, W53, 2027-W02. APScheduler's week='*/2' would
    # fire in W53 (12-29) and W01 (2027-01-05), a week apart.
    assert date(2026, 12, 15) in days and date(2026, 12, 29) in days
    assert date(2027, 1, 12) in days
    assert date(2026, 12, 22) not in days and date(2027, 1, 5) not in days


def test_the_other_parity_crosses_the_year_end_without_skipping() -> None:
    # Started in ISO week 2 (even): '*/2' would jump from 2026-W52 (12-22) to 2027-W02.
    times = occurrences(STEERING, date(2026, 1, 6), BERLIN, utc(2026, 12, 1), utc(2027, 2, 1))
    days = [t.astimezone(BERLIN).date() for t in times]
    assert days == [
        date(2026, 12, 8),
        date(2026, 12, 22),
        date(2027, 1, 5),
        date(2027, 1, 19),
    ]


def test_monthly_first_monday_at_ten() -> None:
    times = occurrences(PULSE, date(2026, 2, 2), BERLIN, utc(2026, 1, 1), utc(2026, 7, 1))
    assert [t.astimezone(BERLIN) for t in times] == [
        local(2026, 2, 2, 10, 0),
        local(2026, 3, 2, 10, 0),
        local(2026, 4, 6, 10, 0),
        local(2026, 5, 4, 10, 0),
        local(2026, 6, 1, 10, 0),
    ]
    assert next_fire(PULSE, date(2026, 2, 2), BERLIN, utc(2026, 2, 2, 9, 0)) == utc(
        2026, 3, 2, 9, 0
    )


def test_next_fire_is_strictly_after() -> None:
    starts = date(2026, 1, 13)
    first = utc(2026, 1, 13, 8, 0)
    assert next_fire(STEERING, starts, BERLIN, utc(2025, 6, 1)) == first
    assert next_fire(STEERING, starts, BERLIN, first - timedelta(seconds=1)) == first
    assert next_fire(STEERING, starts, BERLIN, first) == utc(2026, 1, 27, 8, 0)


def test_without_byhour_the_rule_fires_at_nine_local() -> None:
    rule = "FREQ=WEEKLY;BYDAY=MO"
    assert next_fire(rule, date(2026, 6, 1), BERLIN, utc(2026, 6, 1)) == local(2026, 6, 1, 9, 0)


def test_a_missed_time_is_caught_up_once() -> None:
    starts = date(2026, 1, 13)
    stale = utc(2026, 1, 13, 8, 0)  # then 01-27 and 02-10 passed too while the bot was down
    now = utc(2026, 2, 12, 12, 0)
    assert due_once(STEERING, starts, BERLIN, stale, now) == (True, utc(2026, 2, 24, 8, 0))
    # The next run right after: nothing more to send.
    assert due_once(STEERING, starts, BERLIN, utc(2026, 2, 24, 8, 0), now) == (
        False,
        utc(2026, 2, 24, 8, 0),
    )


def test_due_exactly_on_time_fires_and_moves_on() -> None:
    at = utc(2026, 1, 27, 8, 0)
    assert due_once(STEERING, date(2026, 1, 13), BERLIN, at, at) == (True, utc(2026, 2, 10, 8, 0))


def test_a_rule_with_count_ends() -> None:
    rule = STEERING + ";COUNT=3"
    starts = date(2026, 1, 13)
    assert next_fire(rule, starts, BERLIN, utc(2026, 2, 9)) == utc(2026, 2, 10, 8, 0)
    assert next_fire(rule, starts, BERLIN, utc(2026, 2, 10, 8, 0)) is None
    assert due_once(rule, starts, BERLIN, utc(2026, 2, 10, 8, 0), utc(2026, 3, 1)) == (True, None)


def test_until_in_utc_is_inclusive() -> None:
    rule = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;UNTIL=20260116T130000Z"
    times = occurrences(rule, date(2026, 1, 1), BERLIN, utc(2026, 1, 1), utc(2026, 3, 1))
    assert times == [utc(2026, 1, 2, 13, 0), utc(2026, 1, 9, 13, 0), utc(2026, 1, 16, 13, 0)]
    date_only = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;UNTIL=20260116"
    assert occurrences(date_only, date(2026, 1, 1), BERLIN, utc(2026, 1, 1), utc(2026, 3, 1)) == (
        times
    )


def test_a_time_in_the_spring_forward_gap_fires_the_gap_later() -> None:
    times = occurrences(SUNDAY_0230, date(2026, 3, 22), BERLIN, utc(2026, 3, 1), utc(2026, 4, 6))
    # 02:30 does not exist on 2026-03-29: the clock jumps from 02:00 CET to 03:00 CEST.
    assert times == [utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)]
    assert times[1].astimezone(BERLIN) == local(2026, 3, 29, 3, 30)


def test_a_time_in_the_fall_back_fold_fires_at_the_first_of_the_two() -> None:
    times = occurrences(SUNDAY_0230, date(2026, 10, 18), BERLIN, utc(2026, 10, 1), utc(2026, 11, 2))
    # 02:30 happens twice on 2026-10-25: 00:30Z (CEST) and 01:30Z (CET); once, at the first.
    assert times == [utc(2026, 10, 18, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]


def test_hourly_rules_around_the_gap_never_go_back_or_repeat() -> None:
    rule = "FREQ=HOURLY;BYMINUTE=0,30"
    starts, after = date(2026, 3, 28), utc(2026, 3, 28, 23, 0)
    times = occurrences(rule, starts, BERLIN, after, utc(2026, 3, 29, 3, 0))
    assert times == [after + timedelta(minutes=30 * i) for i in range(8)]
    fired, moment = [], after
    for _ in range(7):
        found = next_fire(rule, starts, BERLIN, moment)
        assert found is not None
        fired.append(found)
        moment = found
    assert fired == times[1:]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "empty"),
        ("garbage", "not a valid RRULE"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("FREQ=FORTNIGHTLY", "not a valid RRULE"),
        ("BYDAY=MO", "needs FREQ"),
        ("FREQ=MINUTELY", "more frequent than hourly"),
        ("FREQ=SECONDLY;INTERVAL=3600", "more frequent than hourly"),
        ("DTSTART:20260101T090000\nRRULE:FREQ=DAILY", "DTSTART"),
        ("FREQ=DAILY;DTSTART=20260101", "DTSTART"),
        ("RRULE:FREQ=DAILY\nEXDATE:20260102T090000", "single RRULE"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "COUNT and UNTIL"),
        ("FREQ=DAILY;UNTIL=2026", "UNTIL"),
        ("FREQ=WEEKLY;BYDAY=MO" + ";BYHOUR=9" * 60, "longer than 500"),
    ],
)
def test_validate_rejects(rule: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_rrule(rule)


def test_validate_normalises() -> None:
    assert validate_rrule(" rrule:freq=weekly; interval=2;byday=tu ;") == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    )
    assert validate_rrule("FREQ=HOURLY") == "FREQ=HOURLY"
    assert validate_rrule(STEERING) == STEERING


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire(STEERING, date(2026, 1, 13), BERLIN, datetime(2026, 1, 1))


def test_builders() -> None:
    assert weekly(1, 9, interval=2) == STEERING
    assert weekly(4, 14) == "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0"
    assert monthly_nth_weekday(1, 0, 10) == "FREQ=MONTHLY;BYDAY=1MO;BYHOUR=10;BYMINUTE=0"
    assert monthly_nth_weekday(-1, 4, 10, 30) == "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=10;BYMINUTE=30"
    for call in (
        lambda: weekly(7, 9),
        lambda: weekly(0, 24),
        lambda: weekly(0, 9, 60),
        lambda: weekly(0, 9, interval=0),
        lambda: weekly(0, 9, interval=9),
        lambda: monthly_nth_weekday(5, 0, 9),
        lambda: monthly_nth_weekday(0, 0, 9),
        lambda: monthly_nth_weekday(-2, 0, 9),
        lambda: monthly_nth_weekday(1, -1, 9),
    ):
        with pytest.raises(ValueError, match="must be"):
            call()


OTHER_DE = "in eigenem Rhythmus aus der Initiativdatei"
OTHER_EN = "in a rhythm of its own from the initiative file"


@pytest.mark.parametrize(
    ("rule", "german", "english"),
    [
        (STEERING, "alle 2 Wochen dienstags, 9:00", "every 2 weeks on Tuesday, 9:00"),
        (DIGEST, "wöchentlich freitags, 14:00", "weekly on Friday, 14:00"),
        (PULSE, "monatlich am ersten Montag, 10:00", "monthly on the first Monday, 10:00"),
        (
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYHOUR=10",
            "alle 3 Monate am ersten Montag, 10:00",
            "every 3 months on the first Monday, 10:00",
        ),
        (
            monthly_nth_weekday(-1, 4, 10),
            "monatlich am letzten Freitag, 10:00",
            "monthly on the last Friday, 10:00",
        ),
        (monthly_nth_weekday(3, 2, 18, 30), "monatlich am dritten Mittwoch, 18:30", None),
        ("FREQ=DAILY;BYHOUR=8", "täglich, 8:00", "daily, 8:00"),
        ("FREQ=DAILY;INTERVAL=2", "alle 2 Tage, 9:00", "every 2 days, 9:00"),
        (
            "FREQ=WEEKLY;BYDAY=TH,MO;BYHOUR=17;BYMINUTE=30",
            "wöchentlich montags und donnerstags, 17:30",
            "weekly on Monday and Thursday, 17:30",
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "monatlich am 15., 9:00", "monthly on day 15, 9:00"),
        (
            "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1;BYHOUR=7",
            "alle 2 Monate am 1., 7:00",
            "every 2 months on day 1, 7:00",
        ),
        # Not said in a few words: named as such, never shown as a rule.
        ("FREQ=MONTHLY;BYMONTHDAY=31", OTHER_DE, OTHER_EN),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=4", OTHER_DE, OTHER_EN),
        ("FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1", OTHER_DE, OTHER_EN),
        ("FREQ=DAILY;BYHOUR=8,17", OTHER_DE, OTHER_EN),
        ("not a rule", OTHER_DE, OTHER_EN),
    ],
)
def test_rules_read_as_people_say_them(rule: str, german: str, english: str | None) -> None:
    translator = Translator("de")
    assert rhythm_text(functools.partial(translator.t, "de"), "de", rule) == german
    if english is not None:
        assert rhythm_text(functools.partial(translator.t, "en"), "en", rule) == english


weekly_rules = st.builds(
    weekly,
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    interval=st.integers(1, 8),
)
monthly_rules = st.builds(
    monthly_nth_weekday,
    n=st.sampled_from([1, 2, 3, 4, -1]),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
zones = st.sampled_from(
    [BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]
)


@given(
    rule=weekly_rules | monthly_rules,
    starts=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    zone=zones,
    offset_hours=st.integers(-24 * 400, 24 * 400),
)
def test_builders_validate_describe_and_advance(
    rule: str, starts: date, zone: ZoneInfo, offset_hours: int
) -> None:
    assert validate_rrule(rule) == rule
    assert rhythm_of(rule) is not None  # what chat builds, chat can say in words
    moment = datetime.combine(starts, datetime.min.time(), UTC) + timedelta(hours=offset_hours)
    fired: list[datetime] = []
    for _ in range(20):
        found = next_fire(rule, starts, zone, moment)
        assert found is not None and found > moment and found.tzinfo is UTC
        fired.append(found)
        moment = found
    assert occurrences(rule, starts, zone, fired[0], fired[-1] + timedelta(seconds=1)) == fired
