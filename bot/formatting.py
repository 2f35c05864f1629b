"""Numbers and dates the way the reader writes them (Babel): 27.11.2026 / 27 Nov 2026."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date as babel_format_date

DATE_PATTERNS = {"de": "dd.MM.yyyy", "en": "d MMM yyyy"}


def format_date(day: date, language: str) -> str:
    return babel_format_date(day, DATE_PATTERNS.get(language, "yyyy-MM-dd"), locale=language)
