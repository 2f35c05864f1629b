"""How a waiver reads, in chat (/missing) and on the command line: how many open reports of
which organisations and indicators are let off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.i18n import Html, Translator
from bot.i18n.formatting import format_date, format_number
from bot.presentation.message_fit import fit_list, fits
from bot.services.missing.waivers import Waivable

Translate = Callable[..., str]
# Room left for the question and its explanation below Telegram's 4,096 characters.
LINES_LIMIT = 3000
# The first line's key (with plural forms for the count).
Head = str
CONFIRM: Head = "missing.waive.confirm"
DONE: Head = "waive.done"
WOULD: Head = "waive.would"


def plain_translate(translator: Translator, language: str) -> Translate:
    """Texts for a terminal: values are not HTML-escaped (numbers are still formatted and
    choose the plural form)."""

    def t(key: str, **values: Any) -> str:
        plain = {k: v if isinstance(v, int | float) else Html(str(v)) for k, v in values.items()}
        return translator.t(language, key, **plain)

    return t


def waiver_lines(
    t: Translate,
    found: Waivable,
    language: str,
    head: Head,
    *,
    indicator_names: bool = True,
    limit: int = LINES_LIMIT,
) -> list[str]:
    """`head` with the count and the last day waived, then one line per
    organisation with its indicators (names in chat, codes on the command line); only the
    organisations' counts when that is too long, and the rest counted when even that is."""
    count = found.count
    last_day = format_date(found.before - timedelta(days=1), language)
    first = t(head, count=count, day=last_day)
    detailed, short = [], []
    for organisation, groups in found.by_organisation.items():
        total = sum(g.count for g in groups)
        items = ", ".join(
            f"{g.name(language) if indicator_names else g.indicator_code} {_n(g.count, language)}"
            for g in groups
        )
        detailed.append(t("waive.line", organisation=organisation, count=total, items=items))
        short.append(t("waive.line_short", organisation=organisation, count=total))
    if fits("\n".join(detailed), limit):
        return [first, *detailed]
    more = lambda left: t("waive.more", count=left)  # noqa: E731
    return [first, *fit_list(short, more, limit=limit).split("\n")]


def _n(value: int, language: str) -> str:
    return format_number(value, language)
