"""Dates as people type them in chat, in German or English."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from babel.dates import get_month_names
from dateutil import parser as dateparser

from bot.services.errors import DomainError

# How far back and ahead a date may lie by default: typos like 2062 are caught.
DATE_RANGE = timedelta(days=366)
# The German way, the year optional: 27.11.2026, 27.11.26, 3.12.
DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(?:(\d{4}|\d{2}))?")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str, language: str, today: date, within: timedelta | None = DATE_RANGE) -> date:
    """A date as people type it: 27.11.2026, 3.12., 2026-11-27, 27 Nov 2026, 27. November;
    at most `within` away from today (None: any)."""
    cleaned = text.strip().lower().rstrip(". ")
    dotted = DOTTED_DAY.fullmatch(text.strip())
    try:
        if ISO_DAY.fullmatch(cleaned):
            parsed = date.fromisoformat(cleaned)
        elif dotted:
            day, month, year = dotted.groups()
            full_year = today.year if not year else int(year) + (2000 if len(year) == 2 else 0)
            parsed = date(full_year, int(month), int(day))
        else:
            parsed = dateparser.parse(
                _english_months(cleaned),
                dayfirst=language == "de" or "." in cleaned,
                default=datetime(today.year, today.month, today.day),
            ).date()
    except (ValueError, OverflowError):
        raise DomainError("activity.bad_date") from None
    if within is not None and abs(parsed - today) > within:
        raise DomainError("activity.date_out_of_range")
    return parsed


def _english_months(text: str) -> str:
    """German month names and abbreviations in English words, which dateutil reads."""
    english = get_month_names("wide", locale="en")
    for number, name in get_month_names("wide", locale="de").items():
        text = text.replace(name.lower(), english[number])
    for number, name in get_month_names("abbreviated", locale="de").items():
        text = re.sub(rf"\b{re.escape(name.lower().rstrip('.'))}\b\.?", english[number], text)
    return text
