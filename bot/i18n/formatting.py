"""Numbers, dates and short labels the way the reader gets them: 1.234,5 and 27.11.2026 in
German, 1,234.5 and 27 Nov 2026 in English (Babel). Messages under Telegram's limit:
bot/presentation/message_fit.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

DATE_PATTERNS = {"de": "dd.MM.yyyy", "en": "d MMM yyyy"}


def format_date(day: date, language: str) -> str:
    return babel_format_date(day, DATE_PATTERNS.get(language, "yyyy-MM-dd"), locale=language)


def format_number(value: float | Decimal, language: str) -> str:
    """1.234,5 in German, 1,234.5 in English; whole numbers without decimals."""
    return format_decimal(value, format="#,##0.##", locale=language)


def format_value(value: float, kind: str, unit: str, language: str) -> str:
    """An indicator value with what it counts: `500 Plätze`, `85 %`, `3,5 von 5`."""
    number = format_number(value, language)
    if kind == "percent":
        return f"{number} %" if language == "de" else f"{number}%"
    if kind == "boolean":
        return f"{number} % „ja“" if language == "de" else f'{number}% "yes"'
    if kind == "scale":
        return f"{number} von 5" if language == "de" else f"{number} of 5"
    return f"{number} {unit}".strip()


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut (button labels, chart labels)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
