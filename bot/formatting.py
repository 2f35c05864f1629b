"""Numbers, dates and long texts the way the reader gets them: 1.234,5 and 27.11.2026 in
German, 1,234.5 and 27 Nov 2026 in English (Babel); messages under Telegram's limit."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

# Telegram refuses longer messages (counted after HTML parsing; raw HTML is longer).
MESSAGE_LIMIT = 4096
DATE_PATTERNS = {"de": "dd.MM.yyyy", "en": "d MMM yyyy"}


def format_date(day: date, language: str) -> str:
    return babel_format_date(day, DATE_PATTERNS.get(language, "yyyy-MM-dd"), locale=language)


def format_number(value: float, language: str) -> str:
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


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at paragraph (else line) boundaries into messages under Telegram's limit.

    Paragraphs are self-contained HTML, so no tag is cut in two; only a single line longer
    than a whole message is cut hard.
    """
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        lines = [
            line[start : start + limit]
            for line in paragraph.split("\n")
            for start in range(0, max(len(line), 1), limit)
        ]
        pieces += _pack(lines, "\n", limit)
    return _pack(pieces, "\n\n", limit)


def _pack(pieces: list[str], separator: str, limit: int) -> list[str]:
    """Join consecutive pieces with `separator` as long as the result stays within `limit`."""
    chunks: list[str] = []
    current: str | None = None
    for piece in pieces:
        candidate = piece if current is None else f"{current}{separator}{piece}"
        if len(candidate) <= limit:
            current = candidate
        else:
            if current is not None:
                chunks.append(current)
            current = piece
    if current is not None:
        chunks.append(current)
    return chunks
