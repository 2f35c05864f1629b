"""When a message the bot sends on its own may arrive (DESIGN section 5).

- immediately, quiet hours or not: broadcasts only (and, outside this module, what goes to
  an anonymous reporter or pulse participant: their settings are unknown by design);
- reminders and digests: at the member's reminder hour, never in their quiet hours, during a
  pause or on a public holiday of the initiative;
- meeting reminders, and everything else that should go now (nudges, check-ins, concern
  notices, reporting reminders whose moment has come): at their time, but moved out of the
  member's quiet hours; meeting reminders not at all to a member whose pause covers the day
  ("In dieser Zeit bekommen Sie keine Erinnerungen").

Times are computed in the initiative's local wall time (zoneinfo), so 9:00 stays 9:00 across
daylight saving; results are UTC.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# A pause lasts at most 90 days; a year of candidate days always finds one.
SEARCH_DAYS = 400


class Placement(StrEnum):
    IMMEDIATE = "immediate"
    REMINDER = "reminder"
    MEETING = "meeting"


@dataclass(frozen=True)
class Preferences:
    reminder_hour: int = 9
    quiet_start: int | None = None
    quiet_end: int | None = None
    paused_until: date | None = None

    def paused_on(self, day: date) -> bool:
        return self.paused_until is not None and day <= self.paused_until

    def quiet_at(self, hour: int) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None:
            return False
        if start < end:
            return start <= hour < end
        return hour >= start or hour < end  # spans midnight, e.g. 20 to 7


def place(
    placement: Placement,
    wanted: datetime,
    preferences: Preferences,
    zone: ZoneInfo,
    holidays: Container[date] = (),
) -> datetime:
    """The earliest time at or after `wanted` (aware) that the rules allow, in UTC."""
    if placement is Placement.IMMEDIATE:
        return wanted.astimezone(UTC)
    local = wanted.astimezone(zone)
    if placement is Placement.MEETING:
        return _out_of_quiet_hours(local, preferences, zone).astimezone(UTC)
    hour = preferences.reminder_hour
    if preferences.quiet_at(hour):
        hour = preferences.quiet_end if preferences.quiet_end is not None else hour
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        candidate = _at(day, hour, zone)
        # Compared in UTC: within one zone Python ignores `fold`, and the hour repeated when
        # the clocks go back would count as not yet passed.
        if _before(candidate, local) or day in holidays:
            continue
        if preferences.paused_on(day):
            continue
        # A clock change can move the hour into quiet hours (2:00 skipped is 3:00).
        candidate = _out_of_quiet_hours(candidate, preferences, zone)
        if candidate.date() != day:
            continue  # that day has no allowed hour left; the next one is checked in turn
        return candidate.astimezone(UTC)
    raise ValueError("no day within a year is allowed")  # cannot happen: pauses are bounded


def _out_of_quiet_hours(local: datetime, preferences: Preferences, zone: ZoneInfo) -> datetime:
    """The first time at or after `local` outside quiet hours."""
    end_hour = preferences.quiet_end
    if end_hour is None:
        return local
    candidate = local
    # Twice at most: the end of quiet hours skipped by a clock change lands an hour later,
    # which can be quiet again (quiet from 3 to 2, on the night 2:00 does not exist).
    for _ in range(3):
        if not preferences.quiet_at(candidate.hour):
            return candidate
        end = _at(candidate.date(), end_hour, zone)
        if not _before(candidate, end):
            end = _at(candidate.date() + timedelta(days=1), end_hour, zone)
        candidate = end
    return candidate


def _before(one: datetime, other: datetime) -> bool:
    return one.astimezone(UTC) < other.astimezone(UTC)


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """`hour`:00 local on `day`; a time skipped by the clock change is taken as after it."""
    naive = datetime.combine(day, time(hour))
    moment = naive.replace(tzinfo=zone)
    # Round trip through UTC normalises a non-existent local time (spring forward).
    return moment.astimezone(UTC).astimezone(zone)
