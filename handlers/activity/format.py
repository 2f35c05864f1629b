"""How activities' numbers read everywhere (feed, digest, hints): small reach is hidden."""

from __future__ import annotations

from bot.i18n.formatting import format_number

# Fewer people than this are shown as "< 5": a tiny group could be recognised.
SMALL_REACH = 5


def reach_text(reach: int | None, language: str) -> str | None:
    """The reach as shown to members, or None when none was given."""
    if reach is None:
        return None
    if reach < SMALL_REACH:
        return f"< {SMALL_REACH}"
    return format_number(reach, language)
