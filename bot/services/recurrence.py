"""Recurring schedules (DESIGN section 1, "Scheduler"): RFC 5545 RRULEs in local wall time.

A schedule is an RRULE string, the local date it starts on and the initiative's time zone. The
rule is evaluated in local wall time with dateutil and only its occurrences are turned into UTC,
so "Tuesday 9:00" stays 9:00 across daylight saving. APScheduler's triggers are not used for
this: its interval trigger drifts an hour across daylight saving, and `week='*/2'` counts ISO
weeks, so it fires in week 53 and again in week 1 (or skips three weeks) at the turn of a
53-week year such as 2026.

How a rule is read (the engine relies on it):
- dtstart is `starts` at 00:00 local, so BYHOUR and BYMINUTE give the time of day. A rule
  without BYHOUR fires at 9:00 local (the bot's usual reminder hour), one without BYMINUTE or
  BYSECOND on the full hour; HOURLY rules without BYHOUR fire every hour.
- INTERVAL counts from the week (month, year) of `starts`, as RFC 5545 says.
- A local time that does not exist (spring forward: 02:30 on 2026-03-29 in Berlin) fires the
  gap's length later (03:30 CEST); a local time that exists twice (fall back: 02:30 on
  2026-10-25) fires at the first of the two (02:30 CEST).
- UNTIL in UTC (`...Z`, as RFC 5545 wants it next to a time zone) is converted to local time;
  a date-only UNTIL includes that whole local day.
- A missed time is caught up once, never repeated (`due_once`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr

# The `schedules.rrule` column is String(500).
MAX_LENGTH = 500
DEFAULT_HOUR = 9
# The chat flow offers "every N weeks" up to this; longer gaps are rather one-off meetings.
MAX_WEEK_INTERVAL = 8
# Monthly builder: 1st..4th weekday, or -1 for the last (a 5th one is missing in most months).
NTH_WEEKDAYS = (1, 2, 3, 4, -1)
# RFC 5545 weekday codes, indexed like date.weekday() and Babel's day names (0 = Monday).
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Local and UTC order of two occurrences can only disagree around a clock change, and no zone
# has moved its clock by more than a day (Samoa 2011); scanning this far covers every case.
OFFSET_WINDOW = timedelta(days=2)

_TOO_OFTEN = ("SECONDLY", "MINUTELY")
_DESCRIBED = {"FREQ", "INTERVAL", "BYDAY", "BYHOUR", "BYMINUTE", "BYMONTHDAY"}
_DAY = re.compile(r"(?P<nth>[+-]?[0-9])?(?P<code>MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"[0-9]{8}(T[0-9]{6}Z?)?")
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError)


def validate_rrule(rrule: str) -> str:
    """The rule normalised (upper case, no spaces, no `RRULE:` prefix); ValueError if unusable.

    We supply DTSTART ourselves, so a rule carrying its own would contradict `starts`; more
    often than hourly is refused so that a typo cannot flood members' chats.
    """
    text = "".join(rrule.split()).upper()
    if not text:
        raise ValueError("the rule is empty")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the rule is longer than {MAX_LENGTH} characters")
    if "DTSTART" in text:
        raise ValueError("the rule must not contain DTSTART; the start date is given separately")
    text = ";".join(filter(None, text.removeprefix("RRULE:").split(";")))
    if ":" in text:
        raise ValueError("only a single RRULE is supported (no RDATE, EXDATE or EXRULE)")
    fields = _fields(text)
    if "FREQ" not in fields:
        raise ValueError("the rule needs FREQ, e.g. FREQ=WEEKLY")
    if fields["FREQ"] in _TOO_OFTEN:
        raise ValueError("rules more frequent than hourly are not allowed")
    if "COUNT" in fields and "UNTIL" in fields:
        raise ValueError("COUNT and UNTIL cannot be combined")
    _parse(fields, date(2026, 1, 1), ZoneInfo("UTC"))
    return text


def next_fire(rrule: str, starts: date, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first occurrence strictly after the aware `after`, in UTC; None once the rule ended."""
    rule = _parse(_fields(validate_rrule(rrule)), starts, zone)
    best: datetime | None = None
    horizon: datetime | None = None
    for local, instant in _instants(rule, zone, after):
        if horizon is not None and local > horizon:
            break
        if instant > after and (best is None or instant < best):
            best = instant
            # Right after a spring-forward gap a later local time can be an earlier instant.
            horizon = horizon or local + OFFSET_WINDOW
    return best


def due_once(
    rrule: str, starts: date, zone: ZoneInfo, next_fire_at: datetime, now: datetime
) -> tuple[bool, datetime | None]:
    """Whether the schedule fires now, and its new next fire time.

    After downtime several occurrences may have passed; the schedule fires once for all of
    them and continues with the first occurrence after `now`, so members get no burst.
    """
    if next_fire_at > now:
        return False, next_fire_at
    return True, next_fire(rrule, starts, zone, now)


def occurrences(
    rrule: str, starts: date, zone: ZoneInfo, start: datetime, end: datetime
) -> list[datetime]:
    """The occurrences with start <= t < end (both aware), in UTC and in order."""
    rule = _parse(_fields(validate_rrule(rrule)), starts, zone)
    last_local = _naive_local(end, zone) + OFFSET_WINDOW
    found: set[datetime] = set()
    for local, instant in _instants(rule, zone, start):
        if local > last_local:
            break
        if start <= instant < end:
            found.add(instant)  # a set: two local times in and after a gap can be one instant
    return sorted(found)


def weekly(weekday: int, hour: int, minute: int = 0, interval: int = 1) -> str:
    """Every `interval` weeks on `weekday` (0 = Monday) at hour:minute."""
    _check("weekday", weekday, 0, 6)
    _check("hour", hour, 0, 23)
    _check("minute", minute, 0, 59)
    _check("interval", interval, 1, MAX_WEEK_INTERVAL)
    every = "" if interval == 1 else f"INTERVAL={interval};"
    return f"FREQ=WEEKLY;{every}BYDAY={WEEKDAYS[weekday]};BYHOUR={hour};BYMINUTE={minute}"


def monthly_nth_weekday(n: int, weekday: int, hour: int, minute: int = 0) -> str:
    """Monthly on the n-th (1..4, or -1 for the last) `weekday` (0 = Monday) at hour:minute."""
    if type(n) is not int or n not in NTH_WEEKDAYS:
        raise ValueError(f"n must be 1, 2, 3, 4 or -1 (the last), not {n!r}")
    _check("weekday", weekday, 0, 6)
    _check("hour", hour, 0, 23)
    _check("minute", minute, 0, 59)
    return f"FREQ=MONTHLY;BYDAY={n}{WEEKDAYS[weekday]};BYHOUR={hour};BYMINUTE={minute}"


@dataclass(frozen=True)
class Rhythm:
    """A rule as people say it: "every 2 weeks on Tuesday at 9:00", "monthly on the last
    Friday". `weekdays` count from 0 = Monday; `nth` is 1..4 or -1 (the last) for a monthly
    weekday, `monthday` the day of the month for a monthly date."""

    frequency: Literal["daily", "weekly", "monthly"]
    interval: int
    hour: int
    minute: int
    weekdays: tuple[int, ...] = ()
    nth: int | None = None
    monthday: int | None = None


def rhythm_of(rrule: str) -> Rhythm | None:
    """The rhythm of a rule that can be said in a few words; None for the rest (COUNT, UNTIL,
    several times a day, months named...), which chat shows by its next dates instead."""
    try:
        fields = _fields(validate_rrule(rrule))
    except ValueError:
        return None
    if not set(fields) <= _DESCRIBED or not _numbers(
        fields, "INTERVAL", "BYHOUR", "BYMINUTE", "BYMONTHDAY"
    ):
        return None
    interval = int(fields.get("INTERVAL", "1"))
    hour, minute = int(fields.get("BYHOUR", DEFAULT_HOUR)), int(fields.get("BYMINUTE", "0"))
    days = [_DAY.fullmatch(code) for code in fields.get("BYDAY", "").split(",") if code]
    if None in days or interval < 1 or hour > 23 or minute > 59:
        return None
    nths = [None if day["nth"] is None else int(day["nth"]) for day in days if day]
    weekdays = tuple(sorted({WEEKDAYS.index(day["code"]) for day in days if day}))
    frequency = fields["FREQ"]
    if frequency == "DAILY" and not days and "BYMONTHDAY" not in fields:
        return Rhythm("daily", interval, hour, minute)
    if frequency == "WEEKLY" and weekdays and set(nths) == {None} and "BYMONTHDAY" not in fields:
        return Rhythm("weekly", interval, hour, minute, weekdays)
    if frequency != "MONTHLY":
        return None
    if len(days) == 1 and nths[0] in NTH_WEEKDAYS and "BYMONTHDAY" not in fields:
        return Rhythm("monthly", interval, hour, minute, weekdays, nth=nths[0])
    monthday = int(fields.get("BYMONTHDAY", "0"))
    if not days and 1 <= monthday <= 28:  # later days are missing in some months
        return Rhythm("monthly", interval, hour, minute, monthday=monthday)
    return None


def _numbers(fields: dict[str, str], *keys: str) -> bool:
    """Whether each of these fields that is present holds one plain number (not a list)."""
    return all(fields.get(key, "0").isdigit() for key in keys)


def _fields(text: str) -> dict[str, str]:
    """KEY=VALUE parts in their order; a repeated key keeps its last value, as in dateutil."""
    fields: dict[str, str] = {}
    for part in filter(None, text.split(";")):
        key, equals, value = part.partition("=")
        if not equals or not key or not value:
            raise ValueError(f"not a valid RRULE: {part!r} is not KEY=VALUE")
        fields[key] = value
    return fields


def _parse(fields: dict[str, str], starts: date, zone: ZoneInfo) -> RRule:
    prepared = dict(fields)
    if "BYHOUR" not in prepared and prepared.get("FREQ") != "HOURLY":
        prepared["BYHOUR"] = str(DEFAULT_HOUR)
    try:
        if "UNTIL" in prepared:
            prepared["UNTIL"] = _local_until(prepared["UNTIL"], zone)
        text = ";".join(f"{key}={value}" for key, value in prepared.items())
        rule = rrulestr(text, dtstart=datetime.combine(starts, time()))
    except _PARSE_ERRORS as exc:
        raise ValueError(f"not a valid RRULE: {exc}") from None
    if not isinstance(rule, RRule):  # cannot happen: `:` and line breaks are refused
        raise ValueError("not a valid RRULE: more than one rule")
    return rule


def _local_until(value: str, zone: ZoneInfo) -> str:
    """UNTIL as naive local time, which dateutil requires next to a naive dtstart.

    Only RFC 5545 forms: dateutil would also read `UNTIL=2026` as today's date in 2026.
    """
    if _UNTIL.fullmatch(value) is None:
        raise ValueError(f"UNTIL={value}, write e.g. 20261231 or 20261231T230000Z")
    if len(value) == 8:
        return f"{value}T235959"
    if value.endswith("Z"):
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")
    return value


def _instants(rule: RRule, zone: ZoneInfo, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """(local wall time, UTC instant) of each occurrence from a little before `since` on."""
    for local in rule.xafter(_naive_local(since, zone) - OFFSET_WINDOW, inc=True):
        yield local, _to_utc(local, zone)


def _to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    # fold=0: in a gap zoneinfo applies the offset from before it, which lands the gap's length
    # later once normalised through UTC; in a fold it means the first of the two times.
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _naive_local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is needed; naive times are ambiguous")
    return moment.astimezone(zone).replace(tzinfo=None)


def _check(name: str, value: int, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value!r}")
