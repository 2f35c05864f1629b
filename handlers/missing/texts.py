"""How /missing and the nudges it sends read."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import partial

from bot.i18n import LANGUAGES, Html, Translator
from bot.i18n.formatting import format_number
from bot.presentation.message_fit import fit_list
from bot.services.missing.completeness import Completeness, Item
from bot.services.outbox import OutgoingMessage
from handlers.report.texts import open_report_button, period_label

Translate = Callable[..., str]
# A nudge offers at most this many items as buttons; the rest are named in the text.
NUDGE_BUTTONS = 5
# What one organisation's line may fill of the overview, so that all the others still show.
LINE_LIMIT = 600


def overview(t: Translate, found: Completeness, language: str) -> str:
    """The period's state and who lacks what, in one message: the organisations that do not
    fit are counted, and the file has them all."""
    expected = len(found.items)
    percent = found.percent
    lines = [
        t(
            "missing.summary",
            period=period_label(found.period, language),
            reported=found.reported,
            count=expected,
            percent=format_number(percent, language),
            on_time=found.on_time,
        )
    ]
    if found.closed:
        lines.append(t("missing.closed_note"))
    groups = found.missing_by_organisation
    if not groups:
        lines.append(t("missing.complete"))
        return "\n".join(lines)
    lines.append(t("missing.lacking"))
    owing = [
        t(
            "missing.line",
            organisation=organisation,
            items=Html(
                fit_list(
                    [html.escape(item.name(language), quote=False) for item in items],
                    lambda count: t("missing.more_items", count=count),
                    separator=", ",
                    limit=LINE_LIMIT,
                )
            ),
        )
        for organisation, items in groups.items()
    ]
    return fit_list(
        owing,
        lambda count: t("missing.more", count=count),
        lambda joined: "\n".join([*lines, joined]),
    )


def nudge_messages(
    translator: Translator, period: str
) -> Callable[[Sequence[Item]], dict[str, OutgoingMessage]]:
    def render(items: Sequence[Item]) -> dict[str, OutgoingMessage]:
        return {language: nudge(translator, period, items, language) for language in LANGUAGES}

    return render


def nudge(
    translator: Translator, period: str, items: Sequence[Item], language: str
) -> OutgoingMessage:
    t = partial(translator.t, language)
    text = fit_list(
        [t("nudge.item", name=item.name(language)) for item in items],
        lambda count: t("nudge.more", count=count),
        lambda joined: t(
            "nudge.text",
            period=period_label(period, language),
            organisation=items[0].organisation_name,
            items=joined,
        ),
    )
    buttons = [
        [open_report_button(item.name(language), item.obligation_id)]
        for item in items[:NUDGE_BUTTONS]
    ]
    return OutgoingMessage(text=text, buttons=buttons)
