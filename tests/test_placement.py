"""Placement rules: reminder hour, quiet hours, pauses, holidays, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from hypothesis import given
from hypothesis import strategies as st

from bot.services.placement import Placement, Preferences, place

BERLIN = ZoneInfo("Europe/Berlin")
BAVARIA = holiday_calendars.country_holidays("DE", subdiv="BY")
# Half-hour offsets, half-hour daylight saving, clocks changing at midnight.
OTHER_ZONES = ("America/St_Johns", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_broadcasts_go_at_once_even_at_night() -> None:
    night = local(2026, 11, 27, 23, 30)
    quiet = Preferences(quiet_start=20, quiet_end=7)
    assert place(Placement.IMMEDIATE, night, quiet, BERLIN) == night.astimezone(UTC)


def test_reminders_wait_for_the_reminder_hour() -> None:
    prefs = Preferences(reminder_hour=9)
    assert place(Placement.REMINDER, local(2026, 11, 27, 6, 0), prefs, BERLIN) == local(
        2026, 11, 27, 9, 0
    )
    # Past today's hour: tomorrow.
    assert place(Placement.REMINDER, local(2026, 11, 27, 10, 0), prefs, BERLIN) == local(
        2026, 11, 28, 9, 0
    )


def test_reminders_skip_pauses_and_public_holidays() -> None:
    paused = Preferences(reminder_hour=9, paused_until=date(2026, 12, 3))
    assert place(Placement.REMINDER, local(2026, 11, 27, 6), paused, BERLIN) == local(
        2026, 12, 4, 9
    )
    # 24 Dec is no holiday, 25 and 26 Dec are.
    placed = place(Placement.REMINDER, local(2026, 12, 24, 12), Preferences(), BERLIN, BAVARIA)
    assert placed == local(2026, 12, 27, 9)


def test_a_reminder_hour_inside_quiet_hours_moves_to_their_end() -> None:
    prefs = Preferences(reminder_hour=6, quiet_start=22, quiet_end=8)
    assert place(Placement.REMINDER, local(2026, 11, 27, 5), prefs, BERLIN) == local(
        2026, 11, 27, 8
    )


def test_meeting_reminders_keep_their_time_but_leave_quiet_hours() -> None:
    prefs = Preferences(quiet_start=20, quiet_end=7, paused_until=date(2027, 1, 1))
    assert place(Placement.MEETING, local(2026, 11, 27, 9, 30), prefs, BERLIN) == local(
        2026, 11, 27, 9, 30
    )
    assert place(Placement.MEETING, local(2026, 11, 27, 21), prefs, BERLIN) == local(
        2026, 11, 28, 7
    )
    assert place(Placement.MEETING, local(2026, 11, 27, 5), prefs, BERLIN) == local(2026, 11, 27, 7)


def test_nine_stays_nine_across_daylight_saving() -> None:
    # Sunday 29 March 2026 the clocks go forward in Berlin.
    before = place(Placement.REMINDER, local(2026, 3, 28, 6), Preferences(), BERLIN)
    after = place(Placement.REMINDER, local(2026, 3, 29, 6), Preferences(), BERLIN)
    assert before.astimezone(BERLIN).hour == after.astimezone(BERLIN).hour == 9
    assert after - before == timedelta(hours=23)


def test_a_clock_change_never_moves_a_reminder_into_quiet_hours() -> None:
    # 29 March 2026: 2:00 does not exist in Berlin, it is 3:00 - where quiet hours begin.
    prefs = Preferences(reminder_hour=2, quiet_start=3, quiet_end=0)
    placed = place(Placement.REMINDER, local(2026, 3, 29, 0, 30), prefs, BERLIN)
    assert placed == local(2026, 3, 30, 2)
    # Quiet until 2:00, which does not come that night: 3:00 is quiet again (from 3 to 2).
    night = Preferences(quiet_start=3, quiet_end=2)
    assert place(Placement.MEETING, local(2026, 3, 29, 1), night, BERLIN) == local(2026, 3, 30, 2)


def test_the_hour_repeated_when_the_clocks_go_back_has_passed() -> None:
    # 25 October 2026: 2:00-3:00 comes twice in Berlin. At 2:00 the second time (01:00 UTC)
    # the 2:00 reminder of that day is an hour over: tomorrow, not an hour in the past.
    second = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    placed = place(Placement.REMINDER, second, Preferences(reminder_hour=2), BERLIN)
    assert placed == local(2026, 10, 26, 2)


hours = st.integers(min_value=0, max_value=23)


@given(
    wanted=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    reminder_hour=hours,
    quiet=st.one_of(st.none(), st.tuples(hours, hours).filter(lambda q: q[0] != q[1])),
    pause_days=st.one_of(st.none(), st.integers(min_value=0, max_value=90)),
    placement=st.sampled_from([Placement.REMINDER, Placement.MEETING]),
    zone=st.sampled_from([BERLIN, *(ZoneInfo(name) for name in OTHER_ZONES)]),
)
def test_placed_times_keep_every_rule(
    wanted: datetime,
    reminder_hour: int,
    quiet: tuple[int, int] | None,
    pause_days: int | None,
    placement: Placement,
    zone: ZoneInfo,
) -> None:
    paused_until = None if pause_days is None else wanted.date() + timedelta(days=pause_days)
    prefs = Preferences(reminder_hour, *(quiet or (None, None)), paused_until)
    placed = place(placement, wanted, prefs, zone, BAVARIA)
    assert placed >= wanted
    there = placed.astimezone(zone)
    assert not prefs.quiet_at(there.hour)
    if placement is Placement.REMINDER:
        assert there.date() not in BAVARIA
        assert paused_until is None or there.date() > paused_until
        assert there.minute == 0
