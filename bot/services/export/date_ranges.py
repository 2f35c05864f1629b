"""A period typed in chat for an export: "01.01.2026 – 30.06.2026", "1.1.26 bis 30.6.26",
"01.01.2026-30.06.2026", "2026-01-01 to 2026-06-30", "1. Januar 2026 bis 30. Juni 2026"."""

from __future__ import annotations

import re
from datetime import date

from bot.services.errors import DomainError
from bot.services.typed_dates import parse_day

TEXT_LIMIT = 100
# Between the two days: a dash with spaces, an en or em dash, "bis", "to", "..", or a plain
# hyphen right after a German date's year or final dot (ISO dates hold hyphens themselves).
SEPARATOR = re.compile(
    r"\s*(?:[–—]|\.\.|\bbis\b|\bto\b|\s-\s|(?<=\.\d{4})-|(?<=\.\d{2})-|(?<=\.)-)\s*",
    re.IGNORECASE,
)


def parse_range(text: str, language: str, today: date) -> tuple[date, date]:
    """The first and last day of a typed period, both included."""
    cleaned = text.strip()
    if len(cleaned) > TEXT_LIMIT:
        raise DomainError("export.bad_range")
    parts = SEPARATOR.split(cleaned, maxsplit=1)
    if len(parts) != 2 or not all(parts):
        raise DomainError("export.bad_range")
    try:
        since, until = (parse_day(part, language, today, within=None) for part in parts)
    except DomainError:
        raise DomainError("export.bad_range") from None
    if since > until:
        raise DomainError("export.range_backwards")
    return since, until
