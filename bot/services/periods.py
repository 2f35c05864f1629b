"""Reporting periods (DESIGN section 2): `2026-W48` (ISO week), `2026-11`, `2026-Q4`, `2026`.

Codes are what the database and the views store, so there is exactly one code per period and
codes of one frequency sort in time. Labels are what people read. Due times are computed in the
initiative's local wall time, so "end of the day" stays local midnight across daylight saving;
results are UTC.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date

# Only a broken calendar has a year of consecutive holidays; the bound keeps it from hanging us.
HOLIDAY_SEARCH_DAYS = 366
# Babel knows many locales, the bot speaks these; anything else reads English labels.
LABEL_LANGUAGES = ("de", "en")

_CODE = re.compile(
    r"(?P<year>[0-9]{4})(?:-W(?P<week>[0-9]{2})|-Q(?P<quarter>[0-9])|-(?P<month>[0-9]{2}))?"
)


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period; `number` is the ISO week, month or quarter (1 for a year).

    Construction checks the number, so a `Period` always exists in the calendar (2026 has an
    ISO week 53, 2025 has not). Periods of one frequency order in time.
    """

    frequency: Frequency
    year: int
    number: int = 1

    def __post_init__(self) -> None:
        # Accept the plain strings the database holds; reject anything else.
        object.__setattr__(self, "frequency", Frequency(self.frequency))
        if not 1 <= self.year <= 9999 or not 1 <= self.number <= _count(self.frequency, self.year):
            raise ValueError(f"there is no {self.frequency} period {self.number} in {self.year}")

    @classmethod
    def parse(cls, code: str) -> Period:
        """The period a canonical code names; ValueError for anything else."""
        match = _CODE.fullmatch(code)
        if match is None:
            raise ValueError(f"{code!r} is not a period, e.g. 2026-W48, 2026-11, 2026-Q4 or 2026")
        year = int(match["year"])
        if match["week"] is not None:
            return cls(Frequency.WEEKLY, year, int(match["week"]))
        if match["month"] is not None:
            return cls(Frequency.MONTHLY, year, int(match["month"]))
        if match["quarter"] is not None:
            return cls(Frequency.QUARTERLY, year, int(match["quarter"]))
        return cls(Frequency.YEARLY, year)

    @property
    def code(self) -> str:
        if self.frequency is Frequency.WEEKLY:
            return f"{self.year:04d}-W{self.number:02d}"
        if self.frequency is Frequency.MONTHLY:
            return f"{self.year:04d}-{self.number:02d}"
        if self.frequency is Frequency.QUARTERLY:
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    @property
    def first_day(self) -> date:
        if self.frequency is Frequency.WEEKLY:
            return date.fromisocalendar(self.year, self.number, 1)
        if self.frequency is Frequency.MONTHLY:
            return date(self.year, self.number, 1)
        if self.frequency is Frequency.QUARTERLY:
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        if self.frequency is Frequency.WEEKLY:
            return date.fromisocalendar(self.year, self.number, 7)
        month = {Frequency.MONTHLY: self.number, Frequency.QUARTERLY: 3 * self.number}.get(
            self.frequency, 12
        )
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def next(self) -> Period:
        return period_containing(self.frequency, self.last_day + timedelta(days=1))

    def previous(self) -> Period:
        return period_containing(self.frequency, self.first_day - timedelta(days=1))

    def __str__(self) -> str:
        return self.code


def _count(frequency: Frequency, year: int) -> int:
    """How many periods of `frequency` the (ISO) year has."""
    if frequency is Frequency.WEEKLY:
        # 28 December always lies in the last ISO week of its year.
        return date(year, 12, 28).isocalendar().week
    return {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4}.get(frequency, 1)


def period_containing(frequency: Frequency | str, day: date) -> Period:
    """The period of `frequency` that `day` belongs to (ISO weeks may start in December)."""
    frequency = Frequency(frequency)
    if frequency is Frequency.WEEKLY:
        iso = day.isocalendar()
        return Period(frequency, iso.year, iso.week)
    if frequency is Frequency.MONTHLY:
        return Period(frequency, day.year, day.month)
    if frequency is Frequency.QUARTERLY:
        return Period(frequency, day.year, (day.month - 1) // 3 + 1)
    return Period(frequency, day.year)


def periods_between(frequency: Frequency | str, start: date, end: date) -> list[Period]:
    """Every period overlapping [start, end], oldest first; empty when end < start.

    Obligations are owed from a start date (the initiative's, the indicator's or an
    organisation's) until today, both possibly in the middle of a period.
    """
    if end < start:
        return []
    periods = [period_containing(frequency, start)]
    while periods[-1].last_day < end:
        periods.append(periods[-1].next())
    return periods


def due_day(period: Period, due_days: int, holidays: Container[date] | None = None) -> date:
    """The last local day to report: period end + `due_days`, moved past public holidays.

    Weekends are not skipped: the design only keeps due dates off public holidays.
    """
    day = period.last_day + timedelta(days=due_days)
    if holidays is None:
        return day
    for _ in range(HOLIDAY_SEARCH_DAYS):
        if day not in holidays:
            return day
        day += timedelta(days=1)
    raise ValueError(f"the holiday calendar has no working day after {period.last_day}")


def due_at(
    period: Period, due_days: int, zone: ZoneInfo, holidays: Container[date] | None = None
) -> datetime:
    """The end of the local due day (the following local midnight), in UTC.

    Combining the date with the zone rather than adding 24 hours to a UTC time keeps it at
    midnight when the clock changes that day. A midnight that the clock skips (zones that change
    at 00:00) resolves, with fold=0, to the moment of the change, which is still the day's end.
    """
    midnight = datetime.combine(
        due_day(period, due_days, holidays) + timedelta(days=1), time(0), tzinfo=zone
    )
    return midnight.astimezone(UTC)


def due_date_of(moment: datetime, zone: ZoneInfo) -> date:
    """The local day something due at `moment` is due on: due times are the midnight after the
    due day (see `due_at`), so that is the day of the second before it."""
    return (moment.astimezone(zone) - timedelta(seconds=1)).date()


def label(period: Period, language: str) -> str:
    """How people name the period: `November 2026`, `KW 48/2026`, `Week 48, 2026`, `Q4 2026`."""
    locale = _locale(language)
    if period.frequency is Frequency.WEEKLY:
        if locale == "de":
            return f"KW {period.number}/{period.year}"
        return f"Week {period.number}, {period.year}"
    if period.frequency is Frequency.MONTHLY:
        return format_date(period.first_day, "MMMM yyyy", locale=locale)
    if period.frequency is Frequency.QUARTERLY:
        return f"Q{period.number} {period.year}"
    return str(period.year)


def short_label(period: Period, language: str) -> str:
    """For buttons: `Nov 2026`; other frequencies are short already and read as in `label`."""
    if period.frequency is not Frequency.MONTHLY:
        return label(period, language)
    # German abbreviations end with a dot (`Nov.`), which looks like a typo on a button.
    month = format_date(period.first_day, "MMM", locale=_locale(language)).rstrip(".")
    return f"{month} {period.year}"


def _locale(language: str) -> str:
    return language if language in LABEL_LANGUAGES else "en"
